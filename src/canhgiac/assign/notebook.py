"""Building a quiz's nbgrader source notebook from the bank.

One locked cell shows the quiz (ipywidgets); then one autograded test cell per
question, worth the question's points, so that nbgrader's gradebook holds a
score for each question.  The key is only in the hidden part of the test cells.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from pprint import pformat

import nbformat

from canhgiac.bank import Bank, Question
from canhgiac.course import Course
from canhgiac.course.rules import FINAL_TITLE, CourseRules
from canhgiac.question import public_question
from canhgiac.quiz.spec import QUIZ_CELL, QUIZ_NAME

NOTEBOOK = "quiz.ipynb"


def quiz_title(assignment: str, book_dir: Path | None, final: str | None = None) -> str:
    """'Bài kiểm tra: <chapter title>' from the chapter's H1, or the final test's name."""
    if assignment == (CourseRules.default_final() if final is None else final):
        return FINAL_TITLE
    page = (book_dir / f"{assignment}.md") if book_dir else None
    if page and page.exists():
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                return f"Bài kiểm tra: {line[2:].strip()}"
    return f"Bài kiểm tra: {assignment}"


def _meta(grade_id: str, *, points: float | None = None, hidden: bool = True) -> dict:
    nbgrader = {
        "grade": points is not None,
        "solution": False,
        "locked": True,
        "task": False,
        "grade_id": grade_id,
        "schema_version": 3,
    }
    if points is not None:
        nbgrader["points"] = points
    # Hidden inputs: the learner sees the quiz, not the code that shows or grades it.
    return {"nbgrader": nbgrader, "jupyter": {"source_hidden": hidden}}


def instructions(title: str, questions: list[Question]) -> str:
    total = sum(q.points for q in questions)
    return (
        f"# {title}\n\n"
        f"Bài kiểm tra có {len(questions)} câu, tổng {total:g} điểm. Cách làm:\n\n"
        "1. Chạy ô bên dưới (bấm vào ô rồi nhấn **Shift + Enter**, hoặc chọn *Run › Run All Cells*). "
        "Nếu bài kiểm tra chưa hiện ra, hãy chờ vài giây rồi chạy lại.\n"
        "2. Trả lời từng câu. Có thể dùng chuột hoặc bàn phím (phím **Tab** để chuyển, **phím cách** để chọn).\n"
        "3. Bấm **Lưu bài làm**. Bài làm được lưu vào tệp `answers.json` cạnh sổ tay này; "
        "mở lại sổ tay sẽ thấy các câu đã trả lời.\n"
        "4. Nộp bài theo hướng dẫn của cán bộ phụ trách (trên JupyterHub: *Assignments › Submit*).\n\n"
        "Bài làm sẽ được chấm tự động; kết quả và giải thích cho từng câu chưa đúng sẽ được gửi lại cho anh, chị."
    )


def test_source(q: Question) -> str:
    """The test cell: an import, then the hidden call with the key (removed from the release)."""
    args = {
        "kind": q.kind,
        "key": q.answer,
        "options": [o.id for o in q.options],
        "points": q.points,
        "explanation": q.explanation,
    }
    call = ", ".join(f"{name}={json.dumps(value, ensure_ascii=False)}" for name, value in args.items())
    return (
        f"# Chấm tự động câu {q.id}\n"
        "from canhgiac.quiz.grading import grade\n"
        "### BEGIN HIDDEN TESTS\n"
        f"grade({json.dumps(q.id)}, {call})\n"
        "### END HIDDEN TESTS"
    )


def source_notebook(
    bank: Bank, assignment: str, book_dir: Path | None = None, final: str | None = None
) -> nbformat.NotebookNode:
    questions = bank.graded(assignment)
    if not questions:
        raise ValueError(f"bài '{assignment}' không có câu hỏi chấm điểm nào trong ngân hàng")
    title = quiz_title(assignment, book_dir, final)
    spec = {"assignment": assignment, "title": title, "questions": [public_question(q) for q in questions]}
    show = (
        "from canhgiac.quiz.widgets import show_quiz\n\n"
        f"{QUIZ_NAME} = {pformat(spec, width=100, sort_dicts=False)}\n\n"
        f"quiz = show_quiz({QUIZ_NAME})"
    )
    cells = [
        nbformat.v4.new_markdown_cell(
            instructions(title, questions), metadata=_meta("huong-dan", hidden=False)
        ),
        nbformat.v4.new_code_cell(show, metadata=_meta(QUIZ_CELL)),
    ]
    cells += [
        nbformat.v4.new_code_cell(test_source(q), metadata=_meta(q.id, points=q.points)) for q in questions
    ]
    for cell in cells:
        cell.id = cell.metadata["nbgrader"]["grade_id"]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.language_info = {"name": "python"}
    return nb


@dataclass(frozen=True)
class Sources:
    """What `write_sources` did: the course's config file, and each source notebook with its change."""

    config: Path
    config_created: bool
    notebooks: list[tuple[Path, str]]  # (path, NEW | UPDATED | UNCHANGED)


NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"


def write_sources(bank: Bank, course_dir: Path, book_dir: Path | None = None) -> Sources:
    """Write source/<assignment>/quiz.ipynb for every assignment with graded questions.

    A notebook that is already there with the same content is left untouched.
    The course's nbgrader_config.py is written only when missing, so that the
    trainer's own settings in it are kept.
    """
    from canhgiac.assign.config import CONFIG_FILE_TEXT

    course_dir.mkdir(parents=True, exist_ok=True)
    config = course_dir / "nbgrader_config.py"
    config_created = not config.exists()
    if config_created:
        config.write_text(CONFIG_FILE_TEXT, encoding="utf-8")
    final = Course(course_dir).rules.final_assignment
    written = []
    for assignment in bank.assignments(final):
        if not bank.graded(assignment):
            continue
        path = course_dir / "source" / assignment / NOTEBOOK
        text = nbformat.writes(source_notebook(bank, assignment, book_dir, final))
        data = (text if text.endswith("\n") else text + "\n").encode("utf-8")  # as nbformat.write ends it
        if not path.exists():
            change = NEW
        elif path.read_bytes() == data:
            written.append((path, UNCHANGED))
            continue
        else:
            change = UPDATED
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append((path, change))
    return Sources(config=config, config_created=config_created, notebooks=written)
