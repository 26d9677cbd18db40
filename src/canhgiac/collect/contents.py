"""What a received JSON file or notebook says: a page of the book's download, an answers.json, or a quiz notebook.

A quiz page of the book saves `<learner id>_<assignment>.json`:

    {"learner": "LS-0001", "name": "Nguyễn Văn An", "assignment": "final",
     "saved_at": "2025-03-01T09:15:00.000Z", "answers": {"<question id>": ["<option id>", ...]}}

Its answers are in the answers.json format (canhgiac.quiz.answers).  A learner
who handed in several quizzes on one device may send them together, as
`<learner id>_tat-ca.json`:

    {"learner": "LS-0001", "name": "Nguyễn Văn An", "saved_at": "...",
     "quizzes": [<a quiz page's file, as above>, ...]}

Each of its quizzes is read and collected as that quiz's own file would be.
Files that do not read as one of these raise Unreadable with the reason, in Vietnamese.
"""

import json
from dataclasses import dataclass
from datetime import datetime

import nbformat

from canhgiac.course.attempts import to_utc
from canhgiac.course.learners import id_key
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
class CombinedFile:
    """Several quiz pages' files in one (`<learner id>_tat-ca.json`): each read as it would be alone."""

    learner: str
    quizzes: tuple[BookFile | Unreadable, ...]  # in the file's order; a bad one does not spoil the others


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
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Unreadable("không ở dạng UTF-8, không đọc được") from None
    except json.JSONDecodeError as exc:
        raise Unreadable(
            f"tệp JSON hỏng (lỗi ở dòng {exc.lineno}, cột {exc.colno}), có thể đã bị sửa"
        ) from None


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


def _combined_file(data: dict) -> CombinedFile:
    learner, quizzes = data.get("learner"), data["quizzes"]
    if not isinstance(learner, str) or not learner.strip():
        raise Unreadable("tệp chung của nhiều bài thiếu mã học viên (trường learner)")
    if not isinstance(quizzes, list) or not quizzes:
        raise Unreadable("tệp chung của nhiều bài không có bài nào (trường quizzes)")
    read: list[BookFile | Unreadable] = []
    for number, quiz in enumerate(quizzes, 1):
        try:
            if not isinstance(quiz, dict):
                raise Unreadable("không đúng dạng một bài làm")
            book = _book_file(quiz)
            if id_key(book.learner) != id_key(learner.strip()):
                raise Unreadable(f"mã học viên {book.learner} khác mã của tệp chung {learner.strip()}")
            read.append(book)
        except Unreadable as exc:
            read.append(Unreadable(f"bài thứ {number} trong tệp chung: {exc}"))
    return CombinedFile(learner.strip(), tuple(read))


def read_json_file(data: bytes) -> BookFile | AnswersFile | CombinedFile:
    """A book page's download, several in one, or an answers.json; Unreadable otherwise."""
    parsed = _json(data)
    if isinstance(parsed, dict) and "quizzes" in parsed and "answers" not in parsed:
        return _combined_file(parsed)
    if isinstance(parsed, dict) and "answers" in parsed and ("learner" in parsed or "assignment" in parsed):
        return _book_file(parsed)
    loaded = parse_answers(data)
    if loaded.file_problem:
        raise Unreadable(loaded.file_problem)
    if loaded.question_problems and not loaded.answers:
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
    """A notebook that Jupyter can open; Unreadable otherwise (tampered cells are the grader's business)."""
    try:
        notebook = nbformat.reads(data.decode("utf-8-sig"), as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:  # nbformat raises many kinds for a file that is not a notebook
        raise Unreadable(f"sổ tay hỏng, Jupyter không mở được ({type(exc).__name__})") from None
    return NotebookFile(raw=data, grade_ids=notebook_grade_ids(notebook))
