"""answers.json: a learner's answers, saved beside the quiz notebook.

The format is a documented interface, so that answers collected another way
(a form of the book, a paper sheet typed in) can be graded the same way:

    {"<question id>": ["<option id>", ...], ..., "_saved_at": "2026-12-05T08:41:07+07:00"}

A list for every kind of question; for ordering questions the order is the
answer.  `_saved_at` (optional; question ids never start with "_") is when the
learner pressed the save button, by the learner's own clock, as a book page's
download records it: `canhgiac collect` orders a learner's attempts by it,
whatever date the file got when the trainer saved the attachment.  Reading never raises: every problem becomes a reason, in Vietnamese,
that the grading shows to the learner, and the questions concerned score 0.
"""

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ANSWERS_FILE = "answers.json"
# When the learner saved: not a question (question ids start with a letter or digit).
SAVED_AT = "_saved_at"
# A real answers file is a few kilobytes; anything far larger is not one.
MAX_BYTES = 256 * 1024
# No question has more than a dozen options, and ids are short: beyond these a file was made by hand.
MAX_CHOICES = 50
MAX_ID_CHARS = 100
MAX_QUESTIONS = 500


@dataclass(frozen=True)
class LoadedAnswers:
    """What could be read: the answers by question, and the problems found (file-wide or per question)."""

    answers: dict[str, list[str]] = field(default_factory=dict)
    file_problem: str | None = None
    question_problems: dict[str, str] = field(default_factory=dict)
    saved_at: datetime | None = None  # aware, by the learner's clock; None for a file without it


def saved_time(value: object) -> datetime | None:
    """An ISO 8601 time with its offset (`...Z` too) as an aware datetime; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_answers(raw: bytes) -> LoadedAnswers:
    """Parse the bytes of an answers file; malformed parts become problems, never exceptions."""
    if len(raw) > MAX_BYTES:
        return LoadedAnswers(
            file_problem=f"Tệp bài làm quá lớn ({len(raw)} byte), không phải tệp do bài kiểm tra tạo ra."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return LoadedAnswers(file_problem="Tệp bài làm không ở dạng UTF-8 nên không đọc được.")
    try:
        data = json.loads(text)
    except RecursionError:
        return LoadedAnswers(file_problem="Tệp bài làm không đúng dạng (dữ liệu lồng nhau quá sâu).")
    except json.JSONDecodeError as exc:
        return LoadedAnswers(file_problem=f"Tệp bài làm bị hỏng (lỗi JSON ở dòng {exc.lineno}).")
    if not isinstance(data, dict):
        return LoadedAnswers(
            file_problem="Tệp bài làm không đúng dạng: cần một đối tượng JSON {mã câu: [lựa chọn]}."
        )
    if len(data) > MAX_QUESTIONS:
        return LoadedAnswers(file_problem=f"Tệp bài làm có {len(data)} câu, nhiều hơn mọi bài kiểm tra.")
    answers: dict[str, list[str]] = {}
    problems: dict[str, str] = {}
    saved_at = saved_time(data.pop(SAVED_AT, None))
    for question_id, chosen in data.items():
        if isinstance(chosen, list) and len(chosen) > MAX_CHOICES:
            problems[str(question_id)[:MAX_ID_CHARS]] = (
                f"Câu trả lời có {len(chosen)} lựa chọn, nhiều hơn số lựa chọn của mọi câu hỏi: không chấm câu này."
            )
        elif isinstance(chosen, list) and all(isinstance(c, str) and len(c) <= MAX_ID_CHARS for c in chosen):
            answers[str(question_id)] = chosen
        else:
            problems[str(question_id)] = (
                "Câu trả lời được lưu không đúng dạng (cần một danh sách mã lựa chọn)."
            )
    return LoadedAnswers(answers=answers, question_problems=problems, saved_at=saved_at)


def load_answers(folder: Path | str = ".") -> LoadedAnswers:
    """Read `answers.json` in `folder`; a missing file is a problem, not an error."""
    path = Path(folder) / ANSWERS_FILE
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return parse_answers(b" " * (MAX_BYTES + 1))
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadedAnswers(file_problem="Không tìm thấy tệp bài làm answers.json: bài làm chưa được lưu.")
    except OSError as exc:
        return LoadedAnswers(file_problem=f"Không đọc được tệp bài làm ({exc.strerror}).")
    return parse_answers(raw)


def answers_text(answers: dict[str, list[str]], saved_at: datetime | None = None) -> str:
    """answers.json's text: the answers, and when they were saved (with the clock's offset)."""
    data: dict[str, object] = dict(answers)
    if saved_at is not None:
        data[SAVED_AT] = saved_at.isoformat(timespec="seconds")
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def save_answers(
    answers: dict[str, list[str]], folder: Path | str = ".", saved_at: datetime | None = None
) -> Path:
    """Write `answers.json` atomically: a crash mid-write leaves the previous file whole.

    `saved_at` (default: now, by this machine's clock, with its offset) goes in
    the file: the learner's time of saving, which orders the learner's attempts.
    """
    folder = Path(folder)
    path = folder / ANSWERS_FILE
    payload = answers_text(answers, saved_at or datetime.now().astimezone()).rstrip("\n")
    fd, tmp = tempfile.mkstemp(prefix=".answers-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(payload + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
