"""The graded quizzes end to end, through nbgrader's own commands and its exchange.

A temporary course is made from the real bank; learners fetch the released
quiz, answer it (all correct, partly, not at all, with a broken or tampered
file), submit; the trainer collects, autogrades and generates feedback.
Every question's score in nbgrader's gradebook must be what the answers
deserve, computed here from the bank's key, not from the scoring code.
"""

import json
import subprocess
from pathlib import Path

import nbformat
import pytest
from answer_key import key_leaks
from nbgrader.api import Gradebook

from canhgiac.bank import load_bank
from canhgiac.tools import BIN, tool_env

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


def wrong_answer(q) -> list[str]:
    """A complete answer that is not the key (another option, or a swapped order)."""
    ids = [o.id for o in q.options]
    if q.kind == "order":
        return [q.answer[1], q.answer[0], *q.answer[2:]]
    if q.kind == "multiple":
        return [i for i in ids if i not in q.answer][:1] or ids[:1]
    return [next(i for i in ids if i not in q.answer)]


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
