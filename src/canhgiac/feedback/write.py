"""Feedback pages renamed after their learner and quiz, in a folder per agency, with the list of who gets what."""

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from canhgiac.course import Course
from canhgiac.course.tables import learner as learner_table
from canhgiac.datafile import DataError
from canhgiac.tools import tool_env

SEND_LIST = "danh-sach-gui.csv"
COLUMNS = ("Mã học viên", "Họ và tên", "Cơ quan", "Thư điện tử", "Bài", "Tệp")
NO_AGENCY = "(chưa ghi cơ quan)"
NOT_IN_ROSTER = "(không có trong danh sách)"
# Characters no folder name may hold on Windows, Linux or macOS (a folder may be zipped and sent).
UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
# nbgrader's errors a trainer can act on (pattern, what to do), first match wins.
ERRORS = (
    (r"No assignment with ID", 'có bài chưa có trong sổ điểm: chạy nbgrader generate_assignment "*" --force'),
    (
        r"No such file|does not exist",
        "không thấy bài đã chấm trong autograded/: hãy chạy canhgiac grade trước",
    ),
)


@dataclass
class FeedbackWritten:
    folder: Path
    files: list[Path] = field(default_factory=list)  # every page written, relative to folder
    learners: int = 0
    without_email: list[str] = field(default_factory=list)  # learner ids with no address in the roster
    problems: list[str] = field(default_factory=list)  # nbgrader's errors, in Vietnamese where known


def folder_name(agency: str) -> str:
    """An agency's name as a folder name: its own words, without the characters a folder may not hold."""
    name = UNSAFE.sub("-", unicodedata.normalize("NFC", agency)).strip(" .")
    return name[:120] or NO_AGENCY


def _plain(ident: str) -> bool:
    return bool(ident) and not ident.startswith(".") and UNSAFE.search(ident) is None


def _roster(course: Course) -> dict[str, tuple[str, str, str]]:
    """(full name, agency, e-mail) by learner id."""
    with course.gradebook() as gradebook:
        return {
            row.id: (row.full_name, row.agency or NO_AGENCY, row.email or "")
            for row in gradebook.db.execute(select(learner_table))
        }


def _translated(output: str) -> list[str]:
    """nbgrader's error lines, each in Vietnamese where we know what it means."""
    errors = [line.strip() for line in output.splitlines() if "ERROR" in line or "Error" in line]
    problems = []
    for line in errors:
        known = next((text for pattern, text in ERRORS if re.search(pattern, line)), None)
        problems.append(known or f"nbgrader báo lỗi: {line[:300]}")
    return list(dict.fromkeys(problems))


def generate(course: Course, verbose: bool = False) -> list[str]:
    """Run nbgrader's generate_feedback for every graded quiz; its errors, translated.

    Its English log goes to stderr only when `verbose`.
    """
    if not course.folder("autograded").is_dir():
        return []
    command = [str(Path(sys.executable).parent / "nbgrader"), "generate_feedback", "*"]
    done = subprocess.run(
        command, cwd=course.root, env=tool_env(), capture_output=True, text=True, timeout=3600, check=False
    )
    output = f"{done.stdout}\n{done.stderr}"
    if verbose:
        sys.stderr.write(output)
    if done.returncode == 0:
        return []
    return _translated(output) or [f"nbgrader generate_feedback kết thúc với mã lỗi {done.returncode}"]


def _csv(rows: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # Excel reads the Vietnamese letters with the BOM


def _previous(out: Path) -> set[Path]:
    """The pages the last run listed (to remove those no longer due: a learner moved to another agency)."""
    try:
        with (out / SEND_LIST).open(encoding="utf-8-sig", newline="") as stream:
            return {out / row["Tệp"] for row in csv.DictReader(stream) if row.get("Tệp")}
    except (OSError, ValueError, KeyError, csv.Error):
        return set()


def write_feedback(course: Course, out: Path, verbose: bool = False) -> FeedbackWritten:
    """Generate the feedback, then copy each page to `out/<agency>/<learner id>_<quiz>.html` with the send list."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: đã có một tệp tên này; --out cần một thư mục.")
    if out.resolve().is_relative_to(course.root):
        raise DataError(f"{out}: hãy chọn thư mục --out ngoài thư mục khóa học {course.root}.")
    result = FeedbackWritten(out)
    result.problems = generate(course, verbose)
    roster = _roster(course)
    pages = []
    base = course.folder("feedback")
    for learner_dir in sorted(base.iterdir()) if base.is_dir() else []:
        if not learner_dir.is_dir() or not _plain(learner_dir.name):
            continue
        for quiz_dir in sorted(learner_dir.iterdir()):
            html = sorted(quiz_dir.glob("*.html")) if quiz_dir.is_dir() and _plain(quiz_dir.name) else []
            if html:
                pages.append((learner_dir.name, quiz_dir.name, html[0]))
    if not pages:
        raise DataError(
            f"{course.root}: chưa có bài nào đã chấm để tạo phản hồi. Hãy chạy canhgiac grade trước."
            + ("\n" + "\n".join(result.problems) if result.problems else "")
        )
    old = _previous(out)
    rows = []
    learners = set()
    for learner, quiz, page in pages:
        name, agency, email = roster.get(learner, (learner, NOT_IN_ROSTER, ""))
        relative = Path(folder_name(agency)) / f"{learner}_{quiz}.html"
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(page, tmp)
        os.replace(tmp, target)
        result.files.append(relative)
        rows.append((learner, name, agency, email, quiz, relative.as_posix()))
        if not email and learner not in learners:
            result.without_email.append(learner)
        learners.add(learner)
    for stale in old - {out / f for f in result.files}:
        if stale.suffix == ".html" and stale.resolve().is_relative_to(out.resolve()):
            stale.unlink(missing_ok=True)
    tmp = out / f".{SEND_LIST}.tmp"
    tmp.write_bytes(_csv(rows))
    os.replace(tmp, out / SEND_LIST)
    result.learners = len(learners)
    return result
