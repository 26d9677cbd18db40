"""A released quiz answered in a real JupyterLab and in Notebook 7, in Chromium, then graded by nbgrader.

The learners are to use either: the whole session runs in JupyterLab 4
(/lab/tree/quiz.ipynb from `jupyter lab`), then again in Notebook 7
(/notebooks/quiz.ipynb from `jupyter notebook`), each on its own server and
its own copy of the released notebook.

One learner's session, in the order of the tests (each goes on from where the
one before left the page): the quiz is opened and run, answered with the mouse
and with the keyboard alone, saved; the answers.json written must hold exactly
the options chosen (by ID: the options are shuffled for each learner, so the
texts seen are mapped back to IDs with the bank); the quiz is reopened and must
show them; then `nbgrader autograde` must give each question what the chosen
answers deserve by the bank's key.

The assignment is `nhan-biet`, the smallest with every kind of question,
ordering included (`intro` has no ordering question).  The servers run on
127.0.0.1 with their own temporary settings (see jupyterlab_helpers.py).
"""

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import ROOT
from jupyterlab_helpers import (
    KERNEL_MS,
    is_focused,
    jupyter_lab,
    lab_env,
    layout_problems,
    run_all_cells,
    tab_to,
)
from nbgrader.api import Gradebook
from playwright.sync_api import Locator, Page, expect

from canhgiac.bank import load_bank
from canhgiac.quiz.widgets import KIND_HINTS
from canhgiac.tools import BIN

pytestmark = [pytest.mark.jupyterlab, pytest.mark.nbgrader]

ASSIGNMENT = "nhan-biet"
# The two applications the quiz must work in, as `jupyter <app>` names them.
APPS = {"lab": "jupyterlab4", "notebook": "notebook7"}
NOTEBOOK = "quiz.ipynb"
QUESTIONS = load_bank(ROOT / "quizzes" / "bank").graded(ASSIGNMENT)
BY_ID = {q.id: q for q in QUESTIONS}
# The kinds in the quiz's order, so that a change of the bank shows here first.
KINDS = ["single", "truefalse", "multiple", "scenario", "single", "order"]
VIEWPORT = {"width": 1280, "height": 900}

# What the learner chooses, and how: the key by mouse, by keyboard, a wrong
# answer by keyboard, nothing at all, an order partly by keyboard.
CHOSEN = {
    "nhan-biet-q01": BY_ID["nhan-biet-q01"].answer,  # clicked
    "nhan-biet-q02": BY_ID["nhan-biet-q02"].answer,  # keyboard
    "nhan-biet-q03": BY_ID["nhan-biet-q03"].answer,  # clicked (and one box ticked, then unticked)
    "nhan-biet-q04": [
        next(o.id for o in BY_ID["nhan-biet-q04"].options if o.id not in BY_ID["nhan-biet-q04"].answer)
    ],
    # nhan-biet-q05 is left unanswered.
    "nhan-biet-q06": BY_ID["nhan-biet-q06"].answer,  # two steps chosen with the mouse, two by keyboard
}


def text_of(question_id: str, option_id: str) -> str:
    return next(o.text for o in BY_ID[question_id].options if o.id == option_id)


def progress(quiz: Locator, answered: int) -> Locator:
    """The progress line, shown at the top and again beside the save button."""
    return quiz.get_by_text(f"Đã trả lời {answered}/{len(QUESTIONS)} câu", exact=True)


def question(quiz: Locator, number: int) -> Locator:
    """The box of question `number` (1-based), found by its heading "Câu n."."""
    return quiz.locator(":scope > .widget-vbox").filter(
        has=quiz.page.get_by_role("heading", name=f"Câu {number}.")
    )


def notebook_cells(page: Page) -> int:
    return page.locator(".jp-Notebook .jp-Cell").count()


# ---------------------------------------------------------------- course, server, browser


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course made by `canhgiac assign` and nbgrader's generate_assignment; the learner's copy of the release."""
    base = tmp_path_factory.mktemp("lab-course")
    course = base / "course"
    course.mkdir()
    env = lab_env(base / "cli")
    subprocess.run(
        [str(BIN / "canhgiac"), "assign", "--course", str(course)], check=True, env=env, capture_output=True
    )
    result = subprocess.run(
        [str(BIN / "nbgrader"), "generate_assignment", ASSIGNMENT, "--CourseDirectory.course_id=canhgiac"],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return course


@pytest.fixture(scope="module", params=list(APPS), ids=list(APPS.values()))
def app(request) -> str:
    """The application, "lab" or "notebook": the whole session runs in JupyterLab, then in Notebook 7."""
    return request.param


@pytest.fixture(scope="module")
def learner(app) -> str:
    return f"hv-{app}"


@pytest.fixture(scope="module")
def learner_folder(course, learner) -> Path:
    """The learner's copy of the release (one per application: each writes its own answers.json)."""
    folder = course.parent / learner
    folder.mkdir()
    shutil.copy(course / "release" / ASSIGNMENT / NOTEBOOK, folder / NOTEBOOK)
    return folder


@pytest.fixture(scope="module")
def lab(app, course, learner_folder):
    with jupyter_lab(learner_folder, course.parent / f"server-{app}", app) as server:
        yield server


@pytest.fixture(scope="module")
def page(browser, lab):
    """One Chromium page on the JupyterLab server; nothing it asks for leaves 127.0.0.1."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    context.route(lambda url: not url.startswith(lab.url), lambda route: route.abort())
    page = context.new_page()
    # Leaving a notebook with unsaved changes asks "leave the page?": yes.
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(lab.open_url(NOTEBOOK))
    yield page
    context.close()


@pytest.fixture(scope="module")
def quiz(page) -> Locator:
    return run_all_cells(page)


# ---------------------------------------------------------------- the learner's session


def test_the_released_quiz_shows_every_question_unanswered(quiz):
    """Does the released quiz show its questions, in the bank's kinds, none answered, twice counted?"""
    assert [q.kind for q in QUESTIONS] == KINDS
    expect(progress(quiz, 0)).to_have_count(2)
    for number, q in enumerate(QUESTIONS, 1):
        box = question(quiz, number)
        expect(box).to_have_count(1)
        if q.kind == "order":
            for option in q.options:
                expect(box.get_by_label(option.text, exact=True)).to_have_value("Chọn thứ tự")
        else:
            role = "checkbox" if q.kind == "multiple" else "radio"
            expect(box.get_by_role(role)).to_have_count(len(q.options))
            for option in q.options:
                expect(box.get_by_role(role, name=option.text, exact=True)).not_to_be_checked()


def test_a_screen_reader_hears_each_question_with_its_options(quiz):
    """Are a question's options a group named by the question, so that a screen reader says which they answer?

    ipywidgets alone names each option by its text only ("Đúng, radio button"):
    the quiz's script makes the options a radio group, or a group, named by the
    heading "Câu n. …" and described by the hint; the heading stays as it is.
    The line beside the save button is a live region (role status) before
    anything is saved, so that "Đã lưu lúc …" is announced when it appears.
    """
    for number, q in enumerate(QUESTIONS, 1):
        name = f"Câu {number}. {q.text}"
        expect(quiz.get_by_role("heading", name=name, exact=True)).to_have_count(1)
        role, option_role = {"multiple": ("group", "checkbox"), "order": ("group", "combobox")}.get(
            q.kind, ("radiogroup", "radio")
        )
        group = quiz.get_by_role(role, name=name, exact=True)
        expect(group).to_have_accessible_description(KIND_HINTS[q.kind])
        expect(group.get_by_role(option_role)).to_have_count(len(q.options))
        for option in q.options:
            expect(group.get_by_role(option_role, name=option.text, exact=True)).to_have_count(1)
    status = quiz.get_by_role("status")
    expect(status).to_have_count(1)
    expect(status).to_have_text("")


def test_answering_with_the_mouse(quiz):
    """Do clicks on an option's label choose it, and does the progress line follow?"""
    q1, q3 = question(quiz, 1), question(quiz, 3)
    (key,) = CHOSEN["nhan-biet-q01"]
    q1.get_by_text(text_of("nhan-biet-q01", key), exact=True).click()
    expect(q1.get_by_role("radio", name=text_of("nhan-biet-q01", key), exact=True)).to_be_checked()
    expect(progress(quiz, 1)).to_have_count(2, timeout=KERNEL_MS)

    wrong = next(o.id for o in BY_ID["nhan-biet-q03"].options if o.id not in CHOSEN["nhan-biet-q03"])
    for option_id in [*CHOSEN["nhan-biet-q03"], wrong, wrong]:  # the wrong box: ticked, then unticked
        q3.get_by_text(text_of("nhan-biet-q03", option_id), exact=True).click()
    for option in BY_ID["nhan-biet-q03"].options:
        box = q3.get_by_role("checkbox", name=option.text, exact=True)
        expect(box).to_be_checked(checked=option.id in CHOSEN["nhan-biet-q03"])
    expect(progress(quiz, 2)).to_have_count(2, timeout=KERNEL_MS)


def test_answering_with_the_keyboard_alone(page, quiz):
    """Can a learner choose options with Tab and Space alone?

    From the box last clicked in question 3, Shift+Tab goes back to question 2
    and Tab on to question 4, option by option; Space chooses the option with
    the focus, which stays on it; the notebook keeps its cells.
    """
    cells = notebook_cells(page)
    q2, q4 = question(quiz, 2), question(quiz, 4)
    for box, qid in ((q2, "nhan-biet-q02"), (q4, "nhan-biet-q04")):
        (option_id,) = CHOSEN[qid]
        radio = box.get_by_role("radio", name=text_of(qid, option_id), exact=True)
        tab_to(page, radio)
        page.keyboard.press("Space")
        expect(radio).to_be_checked()
        assert is_focused(radio)
    expect(progress(quiz, 4)).to_have_count(2, timeout=KERNEL_MS)
    assert notebook_cells(page) == cells


def test_ordering_steps_with_the_mouse_and_the_keyboard(page, quiz):
    """Are the steps of an ordering question placed from their drop-downs, by keys or by mouse?

    From question 4, Tab reaches the drop-downs: the third step is chosen with
    the arrow keys, the fourth by typing "b" (the first letter of "Bước") until
    it reads "Bước 4"; the first two are then picked from their lists.  Those
    keys are JupyterLab's shortcuts too (next cell, insert a cell), which Notebook 7
    reads before the quiz hears them: they must act on the drop-down only, the
    focus staying on it and the notebook keeping its cells.
    """
    cells = notebook_cells(page)
    q6 = question(quiz, 6)
    first, second, third, fourth = CHOSEN["nhan-biet-q06"]
    selects = {
        oid: q6.get_by_label(text_of("nhan-biet-q06", oid), exact=True) for oid in CHOSEN["nhan-biet-q06"]
    }
    tab_to(page, selects[third])
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(selects[third]).to_have_value("Bước 3")
    assert is_focused(selects[third])
    expect(progress(quiz, 5)).to_have_count(2, timeout=KERNEL_MS)
    tab_to(page, selects[fourth])
    for _ in range(4):
        page.keyboard.press("b")
    expect(selects[fourth]).to_have_value("Bước 4")
    assert is_focused(selects[fourth])
    assert notebook_cells(page) == cells
    selects[first].select_option(label="Bước 1")
    selects[second].select_option(label="Bước 2")


def test_saving_writes_the_chosen_option_ids(quiz, learner_folder):
    """Does "Lưu bài làm" write answers.json beside the notebook with exactly the option IDs chosen,
    and the time the learner saved (with its UTC offset)?"""
    clicked = datetime.now(UTC)
    quiz.get_by_role("button", name="Lưu bài làm").click()
    expect(quiz.get_by_role("status")).to_contain_text("Đã lưu", timeout=KERNEL_MS)
    saved = json.loads((learner_folder / "answers.json").read_text(encoding="utf-8"))
    saved_at = datetime.fromisoformat(saved.pop("_saved_at"))
    assert saved_at.tzinfo is not None and abs(saved_at - clicked) < timedelta(minutes=2)
    assert saved == CHOSEN


def test_reopening_shows_the_saved_answers(page):
    """After the page is reloaded and the notebook run again, are the saved answers shown chosen?"""
    page.reload()
    quiz = run_all_cells(page)
    expect(progress(quiz, 5)).to_have_count(2, timeout=KERNEL_MS)
    for number, q in enumerate(QUESTIONS, 1):
        box, chosen = question(quiz, number), CHOSEN.get(q.id, [])
        for option in q.options:
            if q.kind == "order":
                control = box.get_by_label(option.text, exact=True)
                expect(control).to_have_value(f"Bước {chosen.index(option.id) + 1}")
            else:
                role = "checkbox" if q.kind == "multiple" else "radio"
                control = box.get_by_role(role, name=option.text, exact=True)
                expect(control).to_be_checked(checked=option.id in chosen)


@pytest.mark.parametrize("width", [1280, 800])
def test_every_option_can_be_read_whole(page, width):
    """At this window width (the file browser open), is every option shown whole and apart?

    None cut off, drawn over another or pushed beyond the quiz; every drop-down
    wide enough to show its step.  ipywidgets alone draws each option on one
    line of fixed height, which a long Vietnamese option does not fit at 800 px.
    """
    quiz = page.locator(".canhgiac-quiz")
    if width != page.viewport_size["width"]:
        before = quiz.bounding_box()["width"]
        page.set_viewport_size({**VIEWPORT, "width": width})
        # JupyterLab lays the notebook out again on a later frame: wait for the quiz to follow.
        page.wait_for_function(
            "([quiz, before]) => quiz.getBoundingClientRect().width !== before",
            arg=[quiz.element_handle(), before],
        )
    try:
        assert layout_problems(quiz) == []
    finally:
        page.set_viewport_size(VIEWPORT)


def test_autograde_scores_each_question_as_the_key_says(course, learner, learner_folder):
    """Submitted as saved, does `nbgrader autograde` give each question what the bank's key gives it?"""
    assert (learner_folder / "answers.json").exists(), "nothing was saved by the session above"
    submitted = course / "submitted" / learner / ASSIGNMENT
    shutil.copytree(learner_folder, submitted, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    result = subprocess.run(
        [
            str(BIN / "nbgrader"),
            "autograde",
            ASSIGNMENT,
            f"--student={learner}",
            "--create",
            "--CourseDirectory.course_id=canhgiac",
        ],
        cwd=course,
        env=lab_env(course.parent / "cli"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    expected = {q.id: float(q.points) if q.is_correct(CHOSEN.get(q.id, [])) else 0.0 for q in QUESTIONS}
    # Some questions right and some not, or a score of all or nothing would pass unnoticed.
    assert 0 < sum(expected.values()) < sum(q.points for q in QUESTIONS)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "canhgiac") as gb:
        submission = gb.find_submission(ASSIGNMENT, learner)
        got = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
    assert got == expected
