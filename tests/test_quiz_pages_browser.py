"""A graded quiz taken on its page of the book, in headless Chromium with the network closed, then graded.

The page (canhgiac.sphinxext.graded, static/canhgiac-exam.js) is the notebook's
quiz without a kernel: the same questions and options, in the same order for the
same learner, named the same way for screen readers, and no key.  Two learners
take `nhan-biet` (the smallest quiz with every kind of question, ordering
included): one with the mouse, offline once the page has loaded, leaving a
question out; one with the keyboard alone.  Each file saved by "Nộp bài" must
hold exactly the options chosen, by ID; reloading the page must show the answers
again from the browser's local storage; and `canhgiac collect` then
`canhgiac grade` must give each question what the answers deserve by the bank's
key, in nbgrader's gradebook.

Every request of every page goes through a route that lets only 127.0.0.1
through, and is recorded: the last tests check that none went elsewhere and
that no page logged an error.
"""

import functools
import json
import re
import subprocess
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_helpers import WIDTH_JS, blocking, describe_violation, is_local, run_axe
from conftest import ROOT
from nbgrader.api import Gradebook
from playwright.sync_api import Page, expect

from canhgiac.assign.notebook import quiz_title
from canhgiac.bank import load_bank
from canhgiac.bank.schema import KIND_HINTS
from canhgiac.question import public_question
from canhgiac.quiz.widgets import Quiz
from canhgiac.tools import BIN, tool_env

pytestmark = [pytest.mark.browser, pytest.mark.nbgrader]

ASSIGNMENT = "nhan-biet"
PAGE = f"book/kiem-tra/{ASSIGNMENT}.html"
QUESTIONS = load_bank(ROOT / "quizzes" / "bank").graded(ASSIGNMENT)
BY_ID = {q.id: q for q in QUESTIONS}
KINDS = ["single", "truefalse", "multiple", "scenario", "single", "order"]


def wrong(qid: str) -> list[str]:
    q = BY_ID[qid]
    return [next(o.id for o in q.options if o.id not in q.answer)]


# The two learners, and what each chooses.  By mouse: the key, the key (one box
# ticked, then unticked), a wrong answer, nothing for question 5, the order.  By
# keyboard: every question, some right and some wrong.
MOUSE = {"id": "HV001", "name": "Nguyễn Thị Lan"}
KEYBOARD = {"id": "HV002", "name": "Trần Văn Đức"}
MOUSE_CHOICES = {
    "nhan-biet-q01": BY_ID["nhan-biet-q01"].answer,
    "nhan-biet-q02": BY_ID["nhan-biet-q02"].answer,
    "nhan-biet-q03": BY_ID["nhan-biet-q03"].answer,
    "nhan-biet-q04": wrong("nhan-biet-q04"),
    "nhan-biet-q06": BY_ID["nhan-biet-q06"].answer,
}
KEYBOARD_CHOICES = {
    "nhan-biet-q01": wrong("nhan-biet-q01"),
    "nhan-biet-q02": BY_ID["nhan-biet-q02"].answer,
    "nhan-biet-q03": BY_ID["nhan-biet-q03"].answer,
    "nhan-biet-q04": BY_ID["nhan-biet-q04"].answer,
    "nhan-biet-q05": wrong("nhan-biet-q05"),
    "nhan-biet-q06": BY_ID["nhan-biet-q06"].answer,
}


# ---------------------------------------------------------------- browsing, closed to the network


class Session:
    """Browser contexts whose requests and errors are all recorded; only 127.0.0.1 is reachable."""

    def __init__(self, browser, site: str):
        self.browser, self.site = browser, site
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.contexts = []

    def context(self, width: int = 1280, **options):
        context = self.browser.new_context(
            viewport={"width": width, "height": 900},
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            service_workers="block",
            accept_downloads=True,
            **options,
        )
        context.set_default_timeout(10_000)
        context.on("request", lambda r: self.requests.append(r.url))
        context.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        context.on("weberror", lambda e: self.errors.append(f"page error: {e.error}"))
        context.route(lambda url: not is_local(url), lambda route: route.abort())
        self.contexts.append(context)
        return context

    def open(self, context) -> Page:
        page = context.new_page()
        page.goto(f"{self.site}/{PAGE}")
        expect(page.locator("form.cg-exam")).to_have_attribute("data-ready", "1")
        return page


@pytest.fixture(scope="module")
def session(browser, site):
    s = Session(browser, site)
    yield s
    for context in s.contexts:
        context.close()


@pytest.fixture(scope="module")
def handed_in(tmp_path_factory) -> dict:
    """The files saved by "Nộp bài", by learner ID, with the folder they are saved in."""
    return {"folder": tmp_path_factory.mktemp("downloads")}


def shown_order(page: Page) -> dict[str, list[str]]:
    """The option IDs of each question, in the order the page shows them."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("fieldset.cg-exam-question")].map(
             (f) => [f.dataset.question, [...f.querySelectorAll("li[data-option]")].map((li) => li.dataset.option)]))"""
    )


def notebook_order(learner: str, folder: Path) -> dict[str, list[str]]:
    """The option IDs of each question in the order the notebook's quiz (ipywidgets) shows `learner`."""
    spec = {"assignment": ASSIGNMENT, "title": "", "questions": [public_question(q) for q in QUESTIONS]}
    orders = {}
    for control in Quiz(spec, folder, learner=learner).controls:
        if hasattr(control, "radio"):
            orders[control.question.id] = [oid for _, oid in control.radio.options]
        else:
            orders[control.question.id] = list(getattr(control, "boxes", None) or control.selects)
    return orders


@functools.cache
def notebook_order_cached(learner: str) -> dict[str, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        return notebook_order(learner, Path(folder))


def choose(page: Page, qid: str, chosen: list[str]) -> None:
    """Choose by clicking labels, and for an ordering question by picking each step from its list."""
    box = page.locator(f'fieldset[data-question="{qid}"]')
    if BY_ID[qid].kind == "order":
        for position, oid in enumerate(chosen, 1):
            box.locator(f'select[data-option="{oid}"]').select_option(label=f"Bước {position}")
        return
    for oid in chosen:
        box.locator(f'label[for="cg-exam-{qid}-{oid}"]').click()


def shown_answers(page: Page) -> dict[str, list[str]]:
    """What the page shows as chosen, by question (ordering questions: the steps by position)."""
    found = {}
    for q in QUESTIONS:
        box = page.locator(f'fieldset[data-question="{q.id}"]')
        if q.kind == "order":
            values = {o.id: box.locator(f'select[data-option="{o.id}"]').input_value() for o in q.options}
            placed = sorted((int(v), oid) for oid, v in values.items() if v)
            chosen = [oid for _, oid in placed]
        else:
            chosen = [o.id for o in q.options if box.locator(f'input[value="{o.id}"]').is_checked()]
        if chosen:
            found[q.id] = chosen
    return found


def read_download(download, handed_in: dict) -> dict:
    path = handed_in["folder"] / download.suggested_filename
    download.save_as(path)
    return json.loads(path.read_text(encoding="utf-8"))


def check_file(data: dict, learner: dict, choices: dict) -> None:
    assert list(data) == ["learner", "name", "assignment", "saved_at", "answers"]
    assert (data["learner"], data["name"], data["assignment"]) == (learner["id"], learner["name"], ASSIGNMENT)
    saved = datetime.fromisoformat(data["saved_at"])
    assert saved.tzinfo is not None and abs((datetime.now(saved.tzinfo) - saved).total_seconds()) < 120
    assert data["answers"] == choices


# ---------------------------------------------------------------- the page


def test_the_page_shows_the_notebooks_quiz_without_a_key(session):
    """Does the page show the quiz's title, every question in the bank's order and kinds, named and
    described as in the notebook, none answered, and say that the trainer grades it?"""
    assert [q.kind for q in QUESTIONS] == KINDS
    page = session.open(session.context())
    expect(page.get_by_role("heading", level=1)).to_have_accessible_name(
        quiz_title(ASSIGNMENT, ROOT / "book")
    )
    expect(page.locator(".cg-exam-intro")).to_contain_text("bài làm sẽ được chấm bởi cán bộ phụ trách")
    for way in ("thư điện tử", "Zalo", "USB"):
        expect(page.locator(".cg-exam-send")).to_contain_text(way)
    for progress in page.locator(".cg-exam-progress").all():
        expect(progress).to_have_text(f"Đã trả lời 0/{len(QUESTIONS)} câu")
    expect(page.get_by_role("textbox", name="Mã học viên")).to_be_empty()
    expect(page.get_by_role("textbox", name="Họ và tên")).to_be_empty()
    for number, q in enumerate(QUESTIONS, 1):
        name = f"Câu {number}. {q.text}"
        role, option_role = {"multiple": ("group", "checkbox"), "order": ("group", "combobox")}.get(
            q.kind, ("radiogroup", "radio")
        )
        group = page.get_by_role(role, name=name, exact=True)
        expect(group).to_have_count(1)
        expect(group).to_have_accessible_description(re.compile(re.escape(KIND_HINTS[q.kind]) + "$"))
        if q.scenario:
            expect(group).to_have_accessible_description(
                re.compile("^Tình huống " + re.escape(q.scenario[:30]))
            )
        expect(group.get_by_role(option_role)).to_have_count(len(q.options))
        for option in q.options:
            control = group.get_by_role(option_role, name=option.text, exact=True)
            if q.kind == "order":
                expect(control).to_have_value("")
                expect(control.locator("option:checked")).to_have_text("Chọn thứ tự")
            else:
                expect(control).not_to_be_checked()
    expect(page.get_by_role("status")).to_have_count(1)
    assert "data-answer" not in page.content()
    page.close()


def test_each_learner_sees_the_options_in_the_notebooks_order(session):
    """For a few learner IDs, does the page show each question's options in the order that the
    notebook's quiz shows the same learner (canhgiac.quiz.order, in Python and in JavaScript)?"""
    page = session.open(session.context())
    learner = page.get_by_role("textbox", name="Mã học viên")
    seen = {}
    for who in ("HV001", "hv-0042", "cb.lan_07", "X"):
        learner.fill(who)
        learner.press("Tab")  # the order follows the ID when the field is left
        seen[who] = shown_order(page)
        assert seen[who] == notebook_order_cached(who), who
    # The order does change with the learner (truefalse excepted: Đúng, then Sai, for everyone).
    assert len({json.dumps(s) for s in seen.values()}) > 1
    assert {tuple(s["nhan-biet-q02"]) for s in seen.values()} == {("dung", "sai")}
    page.close()


def test_the_learners_id_and_name_are_required(session):
    """With no ID, a wrong ID or no name, does "Nộp bài" say what to correct, move the focus there,
    and save nothing?"""
    page = session.open(session.context())
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    learner = page.get_by_role("textbox", name="Mã học viên")
    name = page.get_by_role("textbox", name="Họ và tên")
    submit = page.get_by_role("button", name="Nộp bài", exact=True)

    submit.click()
    expect(learner).to_be_focused()
    expect(learner).to_have_attribute("aria-invalid", "true")
    expect(learner).to_have_accessible_description(re.compile("Hãy nhập mã học viên"))
    expect(name).to_have_accessible_description(re.compile("Hãy nhập họ và tên"))

    learner.fill("HV 001")
    submit.click()
    expect(learner).to_be_focused()
    expect(learner).to_have_accessible_description(re.compile("không có dấu cách"))

    learner.fill("HV001")
    submit.click()
    expect(name).to_be_focused()
    expect(learner).not_to_have_attribute("aria-invalid", "true")
    assert downloads == []
    page.close()


# ---------------------------------------------------------------- one learner, with the mouse, offline


@pytest.fixture(scope="module")
def mouse_context(session):
    return session.context()


def test_answering_with_the_mouse_offline_warns_then_saves_the_file(session, mouse_context, handed_in):
    """Offline once loaded, do clicks choose the options; does "Nộp bài" list the unanswered
    question, then "Vẫn nộp bài" save <ID>_<assignment>.json with exactly the options chosen?"""
    page = session.open(mouse_context)
    mouse_context.set_offline(True)
    try:
        page.get_by_role("textbox", name="Mã học viên").click()
        page.keyboard.type(MOUSE["id"])
        page.get_by_role("textbox", name="Họ và tên").click()
        page.keyboard.type(MOUSE["name"])
        extra = wrong("nhan-biet-q03")
        choose(page, "nhan-biet-q03", extra)  # ticked, then unticked below
        for qid, chosen in MOUSE_CHOICES.items():
            choose(page, qid, chosen)
        choose(page, "nhan-biet-q03", extra)
        expect(page.locator(".cg-exam-progress").first).to_have_text("Đã trả lời 5/6 câu")
        assert shown_answers(page) == MOUSE_CHOICES

        page.get_by_role("button", name="Nộp bài", exact=True).click()
        warning = page.get_by_role("alert")
        expect(warning).to_be_focused()
        expect(warning).to_contain_text("Còn 1 câu chưa làm xong")
        expect(warning.get_by_role("link", name="Câu 5")).to_be_visible()
        with page.expect_download() as download:
            warning.get_by_role("button", name="Vẫn nộp bài").click()
        assert download.value.suggested_filename == f"{MOUSE['id']}_{ASSIGNMENT}.json"
        check_file(read_download(download.value, handed_in), MOUSE, MOUSE_CHOICES)
        handed_in[MOUSE["id"]] = handed_in["folder"] / download.value.suggested_filename
        expect(page.get_by_role("status")).to_contain_text(
            f"Đã lưu tệp bài làm {MOUSE['id']}_{ASSIGNMENT}.json"
        )
        expect(page.get_by_role("alert")).to_have_count(0)
    finally:
        mouse_context.set_offline(False)
    page.close()


def test_reloading_the_page_restores_the_answers(session, mouse_context):
    """Opened again in the same browser, does the page show the ID, the name and every answer chosen?"""
    page = session.open(mouse_context)
    expect(page.get_by_role("textbox", name="Mã học viên")).to_have_value(MOUSE["id"])
    expect(page.get_by_role("textbox", name="Họ và tên")).to_have_value(MOUSE["name"])
    assert shown_answers(page) == MOUSE_CHOICES
    assert shown_order(page) == notebook_order_cached(MOUSE["id"])
    expect(page.locator(".cg-exam-progress").first).to_have_text("Đã trả lời 5/6 câu")
    expect(page.get_by_role("status")).to_contain_text("Đã mở lại bài đang làm")

    # Cleared on a shared computer, nothing is left to restore.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Xóa bài làm trên máy này").click()
    expect(page.get_by_role("status")).to_contain_text("Đã xóa")
    page.reload()
    expect(page.locator("form.cg-exam")).to_have_attribute("data-ready", "1")
    expect(page.get_by_role("textbox", name="Mã học viên")).to_be_empty()
    assert shown_answers(page) == {}
    page.close()


# ---------------------------------------------------------------- one learner, with the keyboard alone


def _focused(page: Page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement;
                   return {id: e.id, tag: e.tagName.toLowerCase(), type: e.type || "", value: e.value || "",
                           option: e.dataset.option || "", question: e.closest("fieldset[data-question]")
                           ?.dataset.question || "", text: e.textContent.trim()}; }"""
    )


def test_answering_with_the_keyboard_alone(session, handed_in):
    """With Tab, Space, the arrow keys and Enter alone, can a learner fill in the ID and name, answer
    every question, and save the file, with exactly the options chosen in it?"""
    page = session.open(session.context())
    page.locator("body").focus()
    for _ in range(300):  # from the top of the page, past the theme's links, to the ID field
        page.keyboard.press("Tab")
        if _focused(page)["id"] == "cg-exam-learner":
            break
    assert _focused(page)["id"] == "cg-exam-learner", "Tab does not reach the learner's ID"
    page.keyboard.type(KEYBOARD["id"])
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "cg-exam-name"
    page.keyboard.type(KEYBOARD["name"])

    order = notebook_order_cached(KEYBOARD["id"])
    for q in QUESTIONS:
        chosen = KEYBOARD_CHOICES[q.id]
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused["question"] == q.id, f"Tab went to {focused} instead of {q.id}"
        if q.kind == "multiple":  # each box is a tab stop: Space ticks the chosen ones
            for i, oid in enumerate(order[q.id]):
                assert _focused(page)["value"] == oid
                if oid in chosen:
                    page.keyboard.press("Space")
                if i < len(order[q.id]) - 1:
                    page.keyboard.press("Tab")
        elif q.kind == "order":  # each list is a tab stop: ArrowDown n times reads "Bước n"
            for i, oid in enumerate(order[q.id]):
                assert _focused(page)["option"] == oid
                for _ in range(chosen.index(oid) + 1):
                    page.keyboard.press("ArrowDown")
                if i < len(order[q.id]) - 1:
                    page.keyboard.press("Tab")
        else:  # a radio group is one tab stop: Space picks the first, the arrows move the choice
            page.keyboard.press("Space")
            for _ in range(order[q.id].index(chosen[0])):
                page.keyboard.press("ArrowDown")
            assert _focused(page)["value"] == chosen[0]
    assert shown_answers(page) == KEYBOARD_CHOICES
    expect(page.locator(".cg-exam-progress").first).to_have_text("Đã trả lời 6/6 câu")

    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Nộp bài"
    with page.expect_download() as download:  # every question answered: no warning
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == f"{KEYBOARD['id']}_{ASSIGNMENT}.json"
    check_file(read_download(download.value, handed_in), KEYBOARD, KEYBOARD_CHOICES)
    handed_in[KEYBOARD["id"]] = handed_in["folder"] / download.value.suggested_filename
    page.close()


# ---------------------------------------------------------------- accessibility and width


@pytest.mark.parametrize("width", [1280, 375])
def test_axe_finds_no_serious_problem_with_messages_shown(session, width):
    """With the field errors, then the unanswered-questions warning shown, does axe-core find no
    serious accessibility problem, and does the page fit a phone's width?"""
    options = {"is_mobile": True, "has_touch": True} if width == 375 else {}
    page = session.open(session.context(width, **options))
    submit = page.get_by_role("button", name="Nộp bài", exact=True)
    submit.click()
    problems = [describe_violation(f"{width}px errors", v) for v in blocking(run_axe(page))]
    page.get_by_role("textbox", name="Mã học viên").fill("HV003")
    page.get_by_role("textbox", name="Họ và tên").fill("Lê Thị Hoa")
    submit.click()
    expect(page.get_by_role("alert")).to_be_visible()
    # The warning opens under the pointer: a link left hovered has the theme's hover colour, which
    # axe would judge as if it were the link's colour.
    page.mouse.move(0, 0)
    problems += [describe_violation(f"{width}px warning", v) for v in blocking(run_axe(page))]
    assert not problems, "\n".join(problems)
    size = page.evaluate(WIDTH_JS)
    assert size["scrollWidth"] <= size["innerWidth"] + 1, size
    page.close()


# ---------------------------------------------------------------- graded by nbgrader


def _run(*args: str, cwd: Path) -> str:
    result = subprocess.run(args, cwd=cwd, env=tool_env(), capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def _prepare_course(base: Path) -> Path:
    """A trainer's course as before any file arrives: the quiz released, the two learners imported."""
    course = base / "course"
    _run(str(BIN / "canhgiac"), "assign", "--course", str(course), cwd=base)
    _run(
        str(BIN / "nbgrader"),
        "generate_assignment",
        ASSIGNMENT,
        "--CourseDirectory.course_id=canhgiac",
        cwd=course,
    )
    roster = base / "roster.csv"
    roster.write_text(
        "Mã,Họ và tên,Cơ quan,Xã,Email\n"
        + "".join(
            f"{x['id']},{x['name']},UBND huyện Đình Lập,Đình Lập,{x['id'].lower()}@example.vn\n"
            for x in (MOUSE, KEYBOARD)
        ),
        encoding="utf-8",
    )
    _run(str(BIN / "canhgiac"), "roster", "import", "--course", str(course), str(roster), cwd=base)
    return course


@pytest.fixture(scope="module", autouse=True)
def prepared_course(tmp_path_factory):
    """The course, prepared in the background while the browser tests run (its commands take seconds)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(_prepare_course, tmp_path_factory.mktemp("page-course"))


def test_the_saved_files_are_graded_by_nbgrader(handed_in, prepared_course, tmp_path):
    """Do `canhgiac collect` (a file, and a zip of one) and `canhgiac grade` give each question
    what the answers chosen on the page deserve by the bank's key, in nbgrader's gradebook?"""
    files = {learner["id"]: handed_in.get(learner["id"]) for learner in (MOUSE, KEYBOARD)}
    assert all(files.values()), "the files were not saved by the tests above"
    course = prepared_course.result()
    canhgiac = str(BIN / "canhgiac")
    archive = tmp_path / "bai-lam.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(files[KEYBOARD["id"]], files[KEYBOARD["id"]].name)
    _run(canhgiac, "collect", "--course", str(course), str(files[MOUSE["id"]]), str(archive), cwd=tmp_path)
    _run(canhgiac, "grade", "--course", str(course), cwd=tmp_path)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "canhgiac") as gb:
        for learner, choices in ((MOUSE, MOUSE_CHOICES), (KEYBOARD, KEYBOARD_CHOICES)):
            expected = {
                q.id: float(q.points) if q.is_correct(choices.get(q.id, [])) else 0.0 for q in QUESTIONS
            }
            assert 0 < sum(expected.values()) < sum(q.points for q in QUESTIONS)
            submission = gb.find_submission(ASSIGNMENT, learner["id"])
            got = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
            assert got == expected, learner["id"]


# ---------------------------------------------------------------- requests and errors (last)


def test_no_request_leaves_the_machine(session):
    """Did every request of every quiz page opened above go to 127.0.0.1 (or stay in the page)?"""
    assert any(urlsplit(url).path == f"/{PAGE}" for url in session.requests), "requests were not recorded"
    outside = sorted({url for url in session.requests if not is_local(url)})
    assert not outside, "requests to other hosts:\n" + "\n".join(outside)


def test_no_console_or_page_error(session):
    """Did the quiz pages opened above run without a console error or an uncaught exception?"""
    assert not session.errors, "\n".join(session.errors)
