"""What nbgrader grades: the released quiz notebook with the learner's answers, never the learner's notebook.

For our quizzes, the only thing a learner contributes is answers.json.  So
each attempt is graded from a folder made for it (its "stage", which
nbgrader's autograde reads as the submission):

    .canhgiac-grading/<grader>/<learner>/<assignment>/

(<grader>: the grading process, named after its run, so that several runs on
one course folder, a batch `canhgiac grade` beside hosted graders on other
machines, never share a stage)
        quiz.ipynb       the course's release/<assignment>/quiz.ipynb, byte for byte
        answers.json     the learner's, copied as data (a regular file, bounded; never a link)
        timestamp.txt    the attempt's time

Whatever else the learner handed in (cells added or edited, nbgrader metadata
changed or copied, other files) is read as data only, never executed, and
cannot change a score; what was found becomes a note for the trainer ("cần
xem lại").  An honest submission's notebook is the released one, so its
grades are those nbgrader would give it.
"""

import fnmatch
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from canhgiac.course.attempts import TIMESTAMP_FILE, Attempt, format_timestamp
from canhgiac.quiz.answers import ANSWERS_FILE, MAX_BYTES
from canhgiac.untrusted import (
    MAX_NOTEBOOK_BYTES,
    Refused,
    changes_from_release,
    is_inside,
    name_problem,
    read_json,
    read_notebook,
    read_regular_file,
    shown,
)

STAGE_FOLDER = ".canhgiac-grading"
# Left by Jupyter and by nbgrader's own steps, never by the learner's hand: not noted.
EXPECTED_EXTRAS = (".ipynb_checkpoints", "__pycache__", "*.pyc", ".answers-*.json", "feedback")
GLOB_CHARACTERS = set("*?[]")


@dataclass
class Staged:
    folder: Path
    submitted_directory: str  # for nbgrader's CourseDirectory, relative to the course folder
    notes: list[str] = field(default_factory=list)
    answers_problem: str | None = None


def _release_notebooks(root: Path, assignment: str) -> dict[str, bytes]:
    folder = root / "release" / assignment
    notebooks = {p.name: p.read_bytes() for p in sorted(folder.glob("*.ipynb"))} if folder.is_dir() else {}
    if not notebooks:
        raise Refused(
            f"bài {shown(assignment)} chưa được phát (không có sổ tay trong release/{shown(assignment)})"
        )
    return notebooks


def check_place(root: Path, attempt: Attempt) -> None:
    """Refused when an attempt's names or folders could lead nbgrader, or us, outside the course folder."""
    for what, name in (("mã học viên", attempt.learner), ("tên bài", attempt.assignment)):
        problem = name_problem(name)
        if problem is None and GLOB_CHARACTERS & set(name):
            problem = f"tên '{shown(name)}' có ký tự * ? [ ]"
        if problem:
            raise Refused(f"thư mục bài nộp có {what} không hợp lệ: {problem}")
    here = attempt.folder
    while here != root and here.is_relative_to(root):
        if here.is_symlink():
            raise Refused(f"{shown(str(here.relative_to(root)))} là liên kết (symlink), không đọc")
        here = here.parent
    if not is_inside(attempt.folder, root):
        raise Refused("thư mục bài nộp trỏ ra ngoài thư mục khóa học, không đọc")


def _notebook_notes(folder: Path, name: str, release: bytes) -> list[str]:
    path = folder / name
    if not path.exists() and not path.is_symlink():
        return [f"bài nộp không có sổ tay {name}; chấm theo answers.json"]
    try:
        notebook = read_notebook(read_regular_file(path, MAX_NOTEBOOK_BYTES))
    except Refused as exc:
        return [f"sổ tay {name} không dùng được ({exc}); chấm theo answers.json"]
    return changes_from_release(notebook, read_json(release))


def _extras(folder: Path, known: set[str]) -> list[str]:
    extras = []
    for entry in sorted(folder.iterdir()):
        if entry.name in known or any(fnmatch.fnmatch(entry.name, p) for p in EXPECTED_EXTRAS):
            continue
        extras.append(shown(entry.name, 60) + ("/" if entry.is_dir() and not entry.is_symlink() else ""))
    return extras


def stage(root: Path, attempt: Attempt, grader: str) -> Staged:
    """Make the folder nbgrader grades for `attempt`; Refused (with the reason) when it cannot be graded."""
    check_place(root, attempt)
    release = _release_notebooks(root, attempt.assignment)
    relative = Path(STAGE_FOLDER) / str(grader)
    folder = root / relative / attempt.learner / attempt.assignment
    shutil.rmtree(root / relative, ignore_errors=True)
    folder.mkdir(parents=True)
    staged = Staged(folder, str(relative))
    for name, data in release.items():
        staged.notes += _notebook_notes(attempt.folder, name, data)
        (folder / name).write_bytes(data)
    try:
        answers = read_regular_file(attempt.folder / ANSWERS_FILE, MAX_BYTES)
    except Refused as exc:
        if (attempt.folder / ANSWERS_FILE).exists() or (attempt.folder / ANSWERS_FILE).is_symlink():
            staged.answers_problem = str(exc)
        # else: no answers file; the grade cells say so to the learner, and answers_problem below
    else:
        (folder / ANSWERS_FILE).write_bytes(answers)
    extras = _extras(attempt.folder, {*release, ANSWERS_FILE, TIMESTAMP_FILE})
    if extras:
        staged.notes.append(
            f"bài nộp có thêm {len(extras)} tệp ({', '.join(extras[:5])}{', ...' if len(extras) > 5 else ''}); "
            "không dùng khi chấm"
        )
    (folder / TIMESTAMP_FILE).write_text(format_timestamp(attempt.submitted_at), encoding="utf-8")
    return staged


def unstage(root: Path, grader: str) -> None:
    shutil.rmtree(root / STAGE_FOLDER / str(grader), ignore_errors=True)


def remove_stages(root: Path, prefix: str, older_than: float = 3600.0) -> None:
    """Remove this run's stages (`prefix`*), and those a killed run left (untouched for `older_than` s).

    Another run's stage in use is younger than a job's time limit (GradeSettings.job_timeout).
    """
    import time

    folder = root / STAGE_FOLDER
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        try:
            stale = time.time() - entry.lstat().st_mtime > older_than
        except OSError:
            continue
        if entry.name.startswith(prefix) or stale:
            shutil.rmtree(entry, ignore_errors=True)
    try:
        folder.rmdir()  # only when no other run's stage is left in it
    except OSError:
        pass
