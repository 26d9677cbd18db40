"""What a received JSON file or notebook says: a page of the book's download, an answers.json, or a quiz notebook.

A quiz page of the book saves `<learner id>_<assignment>.json`:

    {"learner": "LS-0001", "name": "Nguyễn Văn An", "assignment": "final",
     "saved_at": "2025-03-01T09:15:00.000Z", "answers": {"<question id>": ["<option id>", ...]}}

Its answers are in the answers.json format (canhgiac.quiz.answers).  Files
that do not read as one of these raise Unreadable with the reason, in Vietnamese.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from canhgiac import untrusted
from canhgiac.collect.attempts import to_utc
from canhgiac.quiz.answers import parse_answers
from canhgiac.text import nfc

BOOK_FIELDS = ("learner", "assignment", "saved_at", "answers")


class Unreadable(Exception):
    """A file that is not a submission, or not any more; the message says why."""


@dataclass(frozen=True)
class BookFile:
    learner: str
    name: str
    assignment: str
    saved_at: datetime  # UTC, naive
    answers: dict[str, list[str]]


@dataclass(frozen=True)
class AnswersFile:
    raw: bytes  # kept as received: grading reads the learner's own file
    answers: dict[str, list[str]]


@dataclass(frozen=True)
class NotebookFile:
    raw: bytes
    grade_ids: frozenset[str]  # nbgrader's graded cells: the question ids, which name the quiz


def _json(data: bytes) -> object:
    try:
        return untrusted.read_json(data)
    except untrusted.Refused as exc:
        raise Unreadable(str(exc)) from None


def _book_file(data: dict) -> BookFile:
    missing = [field for field in BOOK_FIELDS if field not in data]
    if missing:
        raise Unreadable(f"tệp bài làm tải từ sách nhưng thiếu trường {', '.join(missing)}")
    learner, assignment, saved_at = data["learner"], data["assignment"], data["saved_at"]
    if not all(isinstance(value, str) and value.strip() for value in (learner, assignment, saved_at)):
        raise Unreadable("tệp bài làm tải từ sách có trường learner, assignment hay saved_at không đúng dạng")
    try:
        moment = to_utc(datetime.fromisoformat(saved_at.strip()))
    except ValueError:
        raise Unreadable(f"thời điểm lưu bài '{saved_at[:40]}' không đúng dạng ISO 8601") from None
    answers = data["answers"]
    if not isinstance(answers, dict):
        raise Unreadable("trường answers không đúng dạng {mã câu: [lựa chọn]}")
    loaded = parse_answers(json.dumps(answers).encode())
    if loaded.question_problems:
        bad = ", ".join(sorted(loaded.question_problems)[:3])
        raise Unreadable(f"câu trả lời không đúng dạng ở câu {bad}, có thể tệp đã bị sửa")
    name = data.get("name")
    return BookFile(
        learner=learner.strip(),
        name=nfc(name.strip()) if isinstance(name, str) else "",
        assignment=assignment.strip(),
        saved_at=moment,
        answers=loaded.answers,
    )


def read_json_file(data: bytes) -> BookFile | AnswersFile:
    """A book page's download, or an answers.json; Unreadable otherwise."""
    parsed = _json(data)
    if isinstance(parsed, dict) and "answers" in parsed and ("learner" in parsed or "assignment" in parsed):
        return _book_file(parsed)
    loaded = parse_answers(data)
    if loaded.file_problem:
        raise Unreadable(loaded.file_problem)
    if loaded.question_problems and not loaded.answers:
        if any(
            "lựa chọn" in problem and "nhiều hơn" in problem for problem in loaded.question_problems.values()
        ):
            raise Unreadable(next(iter(loaded.question_problems.values())).rstrip("."))
        raise Unreadable("không phải tệp bài làm (answers.json) hay tệp tải từ trang bài kiểm tra của sách")
    return AnswersFile(raw=data, answers=loaded.answers)


def notebook_grade_ids(notebook: dict) -> frozenset[str]:
    """The grade ids of a notebook's graded cells (question ids, for a quiz)."""
    ids = set()
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and meta.get("grade_id"):
            ids.add(str(meta["grade_id"]))
    return frozenset(ids)


def read_notebook(data: bytes) -> NotebookFile:
    """A notebook that Jupyter can open; Unreadable otherwise (tampered cells are the grader's business).

    The notebook is kept as the learner's record; `canhgiac grade` never runs
    it (it grades the released notebook with the answers, canhgiac.grade.stage).
    """
    try:
        notebook = untrusted.read_notebook(data)
    except untrusted.Refused as exc:
        raise Unreadable(str(exc)) from None
    return NotebookFile(raw=data, grade_ids=notebook_grade_ids(notebook))
