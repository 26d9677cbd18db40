"""The graded quizzes end to end, through nbgrader's own commands and its exchange.

A temporary course is made from the real bank; learners fetch the released
quiz, answer it (all correct, partly, not at all, with a broken or tampered
file), submit; the trainer collects, autogrades and generates feedback.
Every question's score in nbgrader's gradebook must be what the answers
deserve, computed here from the bank's key, not from the scoring code.
The feedback page each learner gets must be in Vietnamese, show each question
with the learner's choice, and hold neither the key nor any code.
"""

import html as html_lib
import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from answer_key import key_leaks
from course_factory import wrong_answer
from nbgrader.api import Gradebook

from canhgiac.assign.notebook import source_notebook
from canhgiac.bank import load_bank
from canhgiac.question import public_question
from canhgiac.quiz.spec import QUIZ_CELL, quiz_spec
from canhgiac.tools import BIN, tool_env

# The slow tier's marks of the tests that use these fixtures (tests/conftest.py).
SLOW_FIXTURES = {"course": "nbgrader"}

ROOT = Path(__file__).resolve().parents[1]

ASSIGNMENT = "final"
# nbgrader runs `alembic` and `jupyter` from PATH: the venv's, as a trainer's shell would have it.
ENV = tool_env()


def nbgrader(*args: str, cwd: Path, exchange: Path) -> str:
    cmd = [
        str(BIN / "nbgrader"),
        *args,
        f"--Exchange.root={exchange}",
        "--CourseDirectory.course_id=canhgiac",
    ]
    result = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def _all_correct(questions):
    return {q.id: list(q.answer) for q in questions}, {q.id: q.points for q in questions}


def _partly(questions):
    answers, expected = {}, {}
    for i, q in enumerate(questions):
        answers[q.id] = list(q.answer) if i % 2 == 0 else wrong_answer(q)
        expected[q.id] = q.points if i % 2 == 0 else 0.0
    return answers, expected


def _unknown_ids(questions):
    """An unknown question ID is ignored; an unknown option ID costs its question."""
    first, *rest = questions
    answers = {q.id: list(q.answer) for q in rest}
    answers[first.id] = ["khong-co"]
    answers["cau-khong-co"] = ["a"]
    return answers, {first.id: 0.0, **{q.id: q.points for q in rest}}


LEARNERS = {
    # learner: (what answers.json holds, or bytes, or None for no file; tampering)
    "hv-dung": ("all", None),
    "hv-mot-phan": ("partly", None),
    "hv-trong": ({}, None),
    "hv-khong-nop-tep": (None, None),
    "hv-hong": (b'{"final-q01": ["a"', None),
    "hv-utf16": ("utf16", None),
    "hv-qua-lon": (b'{"x": ["' + b"a" * 400_000 + b'"]}', None),
    "hv-ma-la": ("unknown", None),
    "hv-sua-o-cham": ("partly", "edit-tests"),
    "hv-xoa-o-cham": ("partly", "delete-tests"),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course graded end to end; yields (course folder, questions, expected scores by learner)."""
    base = tmp_path_factory.mktemp("course")
    course, exchange, homes = base / "course", base / "exchange", base / "homes"
    for folder in (course, exchange, homes):
        folder.mkdir()
    exchange.chmod(0o777)
    subprocess.run(
        [str(BIN / "canhgiac"), "assign", "--course", str(course)], check=True, env=ENV, capture_output=True
    )
    questions = load_bank(ROOT / "quizzes" / "bank").graded(ASSIGNMENT)
    nbgrader("generate_assignment", ASSIGNMENT, cwd=course, exchange=exchange)
    # A trainer who tried the quiz in the source folder left an answers.json there:
    # it must neither overwrite a learner's answers nor count as one.
    (course / "source" / ASSIGNMENT / "answers.json").write_text(
        json.dumps({q.id: list(q.answer) for q in questions}), encoding="utf-8"
    )
    nbgrader("release_assignment", ASSIGNMENT, cwd=course, exchange=exchange)

    expected: dict[str, dict[str, float]] = {}
    for learner, (content, tamper) in LEARNERS.items():
        home = homes / learner
        home.mkdir()
        nbgrader("fetch_assignment", ASSIGNMENT, cwd=home, exchange=exchange)
        folder = home / ASSIGNMENT
        zero = {q.id: 0.0 for q in questions}
        if content == "all":
            answers, expected[learner] = _all_correct(questions)
        elif content == "partly":
            answers, expected[learner] = _partly(questions)
        elif content == "unknown":
            answers, expected[learner] = _unknown_ids(questions)
        else:
            answers, expected[learner] = content, zero
        if content == "utf16":
            (folder / "answers.json").write_bytes(json.dumps(_all_correct(questions)[0]).encode("utf-16"))
        elif isinstance(answers, bytes):
            (folder / "answers.json").write_bytes(answers)
        elif answers is not None:
            (folder / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
        if tamper:
            _tamper(folder / "quiz.ipynb", tamper)
        nbgrader("submit", ASSIGNMENT, f"--student={learner}", cwd=home, exchange=exchange)

    nbgrader("collect", ASSIGNMENT, cwd=course, exchange=exchange)
    log = nbgrader("autograde", ASSIGNMENT, "--create", cwd=course, exchange=exchange)
    nbgrader("generate_feedback", ASSIGNMENT, cwd=course, exchange=exchange)
    return course, questions, expected, log


def _tamper(path: Path, how: str) -> None:
    """A learner who tries to raise the score by changing the grading cells."""
    nb = nbformat.read(path, as_version=4)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    if how == "edit-tests":
        for cell in tests:
            cell.source = "1.0  # full marks, please"
    elif how == "delete-tests":
        nb.cells = [c for c in nb.cells if c not in tests]
    nbformat.write(nb, path)


def test_every_question_scores_exactly_what_the_answers_deserve(course):
    """Does nbgrader's gradebook hold, for each learner and question, exactly the deserved score?"""
    folder, questions, expected, _ = course
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", "canhgiac") as gb:
        for learner, scores in expected.items():
            submission = gb.find_submission(ASSIGNMENT, learner)
            got = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
            assert got == {q: float(s) for q, s in scores.items()}, learner


def test_the_source_folder_never_overwrites_a_learners_answers(course):
    """Is the learner's answers.json, not the source folder's, the one in the autograded folder?"""
    folder, _, _, _ = course
    graded = json.loads((folder / "autograded" / "hv-mot-phan" / ASSIGNMENT / "answers.json").read_text())
    submitted = json.loads((folder / "submitted" / "hv-mot-phan" / ASSIGNMENT / "answers.json").read_text())
    assert graded == submitted


def test_tampered_notebooks_are_reported_to_the_trainer(course):
    """Does the autograde log name the learners whose grading cells were edited or deleted?"""
    _, _, _, log = course
    assert "has changed" in log or "Checksum" in log
    assert "Missing grade cell" in log


def test_no_answer_key_in_the_released_notebook(course):
    """Does the released quiz hold no key, in cells, metadata or outputs, plain or encoded?"""
    folder, questions, _, _ = course
    text = (folder / "release" / ASSIGNMENT / "quiz.ipynb").read_text(encoding="utf-8")
    assert not list((folder / "release" / ASSIGNMENT).glob("answers.json"))
    assert not key_leaks(text, questions)


def test_feedback_explains_without_the_key(course):
    """Is the feedback in Vietnamese with each missed question's explanation, and never the key?"""
    folder, questions, expected, _ = course
    html = (folder / "feedback" / "hv-mot-phan" / ASSIGNMENT / "quiz.html").read_text(encoding="utf-8")
    assert "Được 0/" in html and "Giải thích" in html
    assert "Traceback (most recent call last)" not in html and "output_error" not in html
    assert "BEGIN HIDDEN TESTS" not in html and "key=" not in html
    missed = [q for q in questions if expected["hv-mot-phan"][q.id] == 0]
    import html as html_lib

    text = html_lib.unescape(html)
    for q in missed:
        assert q.explanation in text


@pytest.mark.parametrize(
    ("learner", "reason"),
    [
        ("hv-hong", "bị hỏng"),
        ("hv-utf16", "UTF-8"),
        ("hv-qua-lon", "quá lớn"),
        ("hv-khong-nop-tep", "answers.json"),
    ],
)
def test_a_bad_answers_file_is_explained_in_vietnamese(course, learner, reason):
    """Does a broken, foreign-encoded, huge or missing answers file get a reason the learner can read?"""
    folder, _, _, _ = course
    html = (folder / "feedback" / learner / ASSIGNMENT / "quiz.html").read_text(encoding="utf-8")
    assert reason in html


# ---------------------------------------------------------------- the feedback page


def feedback_html(folder: Path, learner: str) -> str:
    return (folder / "feedback" / learner / ASSIGNMENT / "quiz.html").read_text(encoding="utf-8")


def question_blocks(html: str) -> dict[str, str]:
    """Each question's block of the feedback page, as text (tags dropped, entities read), by question ID."""
    blocks = re.findall(r'<section\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</section>', html, re.DOTALL)
    return {qid: page_text(block) for qid, block in blocks}


def page_text(html: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", html)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", text))


# nbgrader's own feedback template: English labels, prompts, the cells' code.
NBGRADER_LABELS = [
    "Test cell",
    "Grade cell",
    "Score:",
    "In [",
    "Out[",
    "In&nbsp;[",
    "Out&nbsp;[",
    "Student's answer",
    "(Top)",
    "Comments",
]
# The quiz cell's and the grade cells' Python.
PYTHON = ["show_quiz", "QUIZ", "import ", "canhgiac.quiz", "grade(", "'options':", '"kind"']


@pytest.mark.parametrize("learner", list(LEARNERS))
def test_the_feedback_page_is_vietnamese_with_the_total_and_no_code(course, learner):
    """Is each learner's page in Vietnamese (lang="vi", Vietnamese labels, the total as "Điểm: 12/17"),
    without nbgrader's English labels, prompts or any Python of the quiz?"""
    folder, questions, expected, _ = course
    html = feedback_html(folder, learner)
    assert re.search(r'<html\b[^>]*\blang="vi"', html)
    assert 'name="viewport"' in html
    total, most = sum(expected[learner].values()), sum(q.points for q in questions)
    assert f"Điểm: {total:g}/{most:g}" in html
    assert [label for label in NBGRADER_LABELS if label in html] == []
    assert [code for code in PYTHON if code in html] == []
    blocks = question_blocks(html)
    assert list(blocks) == [q.id for q in questions]
    for number, q in enumerate(questions, 1):
        assert f"Câu {number}" in blocks[q.id]
        assert f"{expected[learner][q.id]:g}/{q.points:g} điểm" in blocks[q.id]


def _chosen_texts(q, chosen: list[str]) -> list[str]:
    texts = {o.id: o.text for o in q.options}
    return [texts[c] for c in chosen]


@pytest.mark.parametrize("learner", ["hv-mot-phan", "hv-dung", "hv-sua-o-cham", "hv-xoa-o-cham"])
def test_each_question_shows_its_text_and_the_learners_choice(course, learner):
    """Does each question's block hold its text (and scenario), what the learner chose, in their
    order for an ordering question, and the explanation exactly when the question was missed?"""
    folder, questions, expected, _ = course
    answers = (_all_correct if learner == "hv-dung" else _partly)(questions)[0]
    blocks = question_blocks(feedback_html(folder, learner))
    for q in questions:
        block = blocks[q.id]
        assert q.text in block, q.id
        if q.scenario:
            assert q.scenario.strip() in block, q.id
        chosen = _chosen_texts(q, answers[q.id])
        assert all(text in block for text in chosen), q.id
        if q.kind == "order":
            positions = [block.index(text) for text in chosen]
            assert positions == sorted(positions), f"{q.id}: the steps are not in the learner's order"
        assert (q.explanation in block) == (expected[learner][q.id] == 0), q.id


def test_a_question_without_a_usable_answer_says_so(course):
    """Does a learner with no answer, an unreadable file or an unknown option see why, question by question?"""
    folder, questions, _, _ = course
    first = questions[0].id
    assert "chưa chọn" in question_blocks(feedback_html(folder, "hv-trong"))[first]
    assert "không đọc được" in question_blocks(feedback_html(folder, "hv-hong"))[first]
    assert "khong-co" in question_blocks(feedback_html(folder, "hv-ma-la"))[first]


@pytest.mark.parametrize("learner", list(LEARNERS))
def test_the_feedback_page_holds_no_key(course, learner):
    """Does no page hold the key in any form, nor the explanation of a question the learner got right
    (the explanation of a missed one is the feedback), nor a verdict opening an explanation?"""
    folder, questions, expected, _ = course
    html = feedback_html(folder, learner)
    text = page_text(html)
    right = [q for q in questions if expected[learner][q.id] == q.points]
    assert key_leaks(html, questions, explanation=False) == []
    assert key_leaks(text, questions, explanation=False) == []
    assert key_leaks(text, right) == []
    assert not re.search(r"Giải thích:\s*(Đúng|Sai)\b", text)


@pytest.mark.parametrize("learner", list(LEARNERS))
def test_the_feedback_page_loads_nothing(course, learner):
    """Is the page self-contained: no script, stylesheet link, frame, font or image from anywhere,
    and every link a link within the page?"""
    folder, _, _, _ = course
    html = feedback_html(folder, learner)
    assert not re.search(r"<(script|link|iframe|img|object|embed)\b", html, re.IGNORECASE)
    assert not re.search(r"url\(|@import", html)
    targets = re.findall(r"""\b(?:src|href|srcset|action)\s*=\s*["']?([^"'\s>]*)""", html, re.IGNORECASE)
    assert targets and all(t.startswith("#") for t in targets), sorted(set(targets))
    assert not re.search(r"https?://|//cdn|unpkg|cdnjs", html)


def test_the_quiz_data_is_read_back_from_the_quiz_cell():
    """Does quiz_spec read back from the quiz cell exactly the public data it was made from (no key)?"""
    bank = load_bank(ROOT / "quizzes" / "bank")
    nb = source_notebook(bank, ASSIGNMENT)
    cell = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == QUIZ_CELL)
    spec = quiz_spec(cell.source)
    assert spec["questions"] == [public_question(q) for q in bank.graded(ASSIGNMENT)]
    assert all("answer" not in q and "explanation" not in q for q in spec["questions"])


def test_a_failed_grading_cell_shows_a_sentence_not_the_traceback():
    """Does a grade cell that failed show the learner a sentence, never its traceback (which holds the key)?"""
    from canhgiac.preprocessors import QuestionFeedback

    failed = nbformat.v4.new_code_cell(
        "",
        outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="Đúng: được 1/1 điểm.\n"),
            nbformat.v4.new_output(
                "error", ename="NameError", evalue="x", traceback=['grade("q", key=["b"])', "NameError: x"]
            ),
        ],
    )
    lines = QuestionFeedback()._printed(failed)
    assert lines[-1] == QuestionFeedback().not_graded
    assert not any("key=" in line or "NameError" in line for line in lines)


@pytest.mark.parametrize("width", [375, 1280])
def test_the_feedback_page_reads_well_in_a_browser(course, browser, width):
    """Opened from the file in Chromium, does the page load nothing, log no error, fit a phone's
    width without scrolling sideways, use a proportional font, and pass axe-core's serious checks?"""
    from browser_helpers import WIDTH_JS, blocking, describe_violation, run_axe

    folder, _, _, _ = course
    path = folder / "feedback" / "hv-mot-phan" / ASSIGNMENT / "quiz.html"
    options = {"is_mobile": True, "has_touch": True} if width == 375 else {}
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="vi-VN", **options)
    requests, errors = [], []
    context.on("request", lambda r: requests.append(r.url))
    context.on("console", lambda m: m.type in ("error", "warning") and errors.append(m.text))
    context.on("weberror", lambda e: errors.append(str(e.error)))
    context.route(lambda url: not url.startswith("file:"), lambda route: route.abort())
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        assert page.locator("section.question").count() == 15
        size = page.evaluate(WIDTH_JS)
        assert size["scrollWidth"] <= size["innerWidth"] + 1, size
        font = page.evaluate("() => getComputedStyle(document.querySelector('.feedback')).fontFamily")
        assert "mono" not in font.lower() and "courier" not in font.lower(), font
        problems = [describe_violation(f"{width}px", v) for v in blocking(run_axe(page))]
        assert not problems, "\n".join(problems)
    finally:
        context.close()
    assert [url for url in requests if not url.startswith("file:")] == []
    assert errors == []
