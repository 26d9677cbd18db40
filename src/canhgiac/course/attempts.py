"""A learner's attempts at a quiz, as folders of the course; shared by `collect`, `grade` and the hub.

Every attempt is a folder in nbgrader's submission layout: the notebook
(quiz.ipynb), answers.json and timestamp.txt.  Where it is says what it is:

    submitted/<learner>/<assignment>/               nbgrader's: the attempt nbgrader grades, or graded last
    pending/<learner>/<assignment>/<time>-<digest>/  received while submitted/ held one not graded yet
    attempts/<learner>/<assignment>/<time>-<digest>/ graded, then replaced in submitted/ by another attempt
    pending/.incoming-*/                            being written by `collect` (a killed run leaves it)

Each change is one rename, which is atomic: a killed `collect` or `grade`
leaves every attempt whole in one of these places, never half in two.
"""

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from nbgrader.utils import parse_utc

from canhgiac.quiz.answers import ANSWERS_FILE, SAVED_AT

TIMESTAMP_FILE = "timestamp.txt"
# In an attempt whose time is the date of the file received, not the learner's time of saving
# (an answers.json without `_saved_at`, or a notebook alone): the summaries and the report name it.
FILE_DATED = ".canhgiac-ngay-tep"
FILE_DATED_TEXT = (
    "Thời điểm của lần nộp này (timestamp.txt) là ngày của tệp nhận được, không phải lúc học viên lưu bài.\n"
)
SUBMITTED, PENDING, ARCHIVED = "submitted", "pending", "attempts"
INCOMING_PREFIX = ".incoming-"


class AttemptKey(NamedTuple):
    """What a graded attempt is known by, here and in canhgiac_attempt: two attempts never share one."""

    learner: str
    assignment: str
    submitted_at: datetime  # UTC, naive, as nbgrader stores it


@dataclass(frozen=True)
class Attempt:
    learner: str
    assignment: str
    folder: Path
    place: str  # SUBMITTED, PENDING or ARCHIVED
    submitted_at: datetime  # UTC, naive, as nbgrader stores it
    known_digest: str | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> AttemptKey:
        return AttemptKey(self.learner, self.assignment, self.submitted_at)

    @cached_property
    def digest(self) -> str:
        """Of the notebooks and answers: the same files sent again are the same attempt.

        Read from the files only when asked: grading a province's course looks at
        every attempt's time, but reads only the files it grades.
        """
        return self.known_digest or folder_digest(self.folder)


def format_timestamp(moment: datetime) -> str:
    """timestamp.txt as nbgrader's exchange writes it: '2025-03-01 09:15:00.000000 UTC'."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def to_utc(moment: datetime) -> datetime:
    """A moment as naive UTC (nbgrader's form); a naive moment is taken as this machine's local time."""
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(UTC).replace(tzinfo=None)


def read_timestamp(folder: Path) -> datetime | None:
    """The time in a submission's timestamp.txt, parsed as nbgrader parses it; None when missing or bad."""
    try:
        text = (folder / TIMESTAMP_FILE).read_text(encoding="utf-8").strip()
        return parse_utc(text) if text else None
    except (OSError, ValueError, OverflowError):
        return None


def is_file_dated(folder: Path) -> bool:
    """Is an attempt's time only the date of the file received (see FILE_DATED)?"""
    return (folder / FILE_DATED).is_file()


def submitted_time(folder: Path) -> datetime:
    """When an attempt was handed in: timestamp.txt, or else the folder's modification time (put there by hand).

    `canhgiac grade` writes that time into the folder's timestamp.txt before
    grading it (canhgiac.grade.plan.pin_untimed), so that it stays the same.
    """
    stamp = read_timestamp(folder)
    if stamp is not None:
        return stamp
    return datetime.fromtimestamp(folder.lstat().st_mtime, UTC).replace(tzinfo=None)


def _answers_only(raw: bytes) -> bytes:
    """answers.json without the time it was saved: the same answers saved again are the same answers."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return raw
    if not isinstance(data, dict) or SAVED_AT not in data:
        return raw
    data.pop(SAVED_AT)
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8") + b"\n"


def content_digest(files: dict[str, bytes]) -> str:
    """A digest of what the learner handed in (notebooks and answers), not of when."""
    digest = hashlib.sha256()
    for name in sorted(files):
        if name == ANSWERS_FILE or name.endswith(".ipynb"):
            data = _answers_only(files[name]) if name == ANSWERS_FILE else files[name]
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def folder_digest(folder: Path) -> str:
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and p.name != TIMESTAMP_FILE}
    return content_digest(files)


def attempt_name(submitted_at: datetime, digest: str) -> str:
    """A queued or archived attempt's folder name; names sort by time."""
    return f"{submitted_at:%Y%m%dT%H%M%S.%f}Z-{digest[:12]}"


def _read(folder: Path, learner: str, assignment: str, place: str) -> Attempt:
    return Attempt(learner, assignment, folder, place, submitted_time(folder))


def submitted_folder(root: Path, learner: str, assignment: str) -> Path:
    return root / SUBMITTED / learner / assignment


def find_attempts(root: Path, learner: str, assignment: str) -> list[Attempt]:
    """Every attempt of a learner at an assignment, wherever it is, oldest first."""
    found = []
    current = submitted_folder(root, learner, assignment)
    if current.is_dir():
        found.append(_read(current, learner, assignment, SUBMITTED))
    for place in (PENDING, ARCHIVED):
        folder = root / place / learner / assignment
        if folder.is_dir():
            found += [_read(p, learner, assignment, place) for p in sorted(folder.iterdir()) if p.is_dir()]
    return sorted(found, key=lambda a: (a.submitted_at, a.place))


def learners_and_assignments(root: Path) -> set[tuple[str, str]]:
    """(learner, assignment) of every attempt in the course, in any place."""
    keys = set()
    for place in (SUBMITTED, PENDING, ARCHIVED):
        base = root / place
        if not base.is_dir():
            continue
        for learner in base.iterdir():
            if learner.is_dir() and not learner.name.startswith("."):
                keys |= {(learner.name, a.name) for a in learner.iterdir() if a.is_dir()}
    return keys


def is_duplicate(existing: list[Attempt], digest: str, submitted_at: datetime) -> bool:
    """Is an arriving attempt one already received?

    It is when the attempt next to it in time, before or after, holds the same
    files: the same download sent twice, or an e-mail attachment saved again
    (a new file time).  The same files as an earlier attempt with a different
    one in between are a new attempt: the learner went back to those answers.
    """
    before = [a for a in existing if a.submitted_at <= submitted_at]
    after = [a for a in existing if a.submitted_at > submitted_at]
    neighbours = [max(before, key=lambda a: a.submitted_at)] if before else []
    neighbours += [min(after, key=lambda a: a.submitted_at)] if after else []
    return any(a.digest == digest for a in neighbours)


def free_time(existing: list[Attempt], submitted_at: datetime) -> datetime:
    """`submitted_at`, moved on by microseconds if another attempt has that very time.

    A graded attempt is known by (learner, assignment, time): two attempts may not share one.
    """
    taken = {a.submitted_at for a in existing}
    while submitted_at in taken:
        submitted_at += timedelta(microseconds=1)
    return submitted_at


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a new name, a rename) to the disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_folders(folder: Path, root: Path) -> None:
    """mkdir -p, with every folder it creates flushed into its parent."""
    missing = []
    while not folder.exists() and folder != root and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        new.mkdir(exist_ok=True)
        _sync_folder(new.parent)


def write_attempt(
    root: Path, learner: str, assignment: str, files: dict[str, bytes], submitted_at: datetime
) -> Attempt:
    """Store a new attempt: into submitted/ when that is free, else queued in pending/.

    The files are written into a hidden folder first and then renamed into
    place, so that nbgrader never sees half an attempt.  Files and folders are
    flushed to the disk (fsync) before this returns: the course service hands
    out its receipt on that word, and a power cut must not take it back.
    """
    incoming_base = root / PENDING
    _make_folders(incoming_base, root)
    incoming = Path(tempfile.mkdtemp(prefix=INCOMING_PREFIX, dir=incoming_base))
    try:
        for name, data in files.items():
            _write_synced(incoming / name, data)
        _write_synced(incoming / TIMESTAMP_FILE, format_timestamp(submitted_at).encode("utf-8"))
        incoming.chmod(0o755)
        _sync_folder(incoming)
        digest = content_digest(files)
        target = submitted_folder(root, learner, assignment)
        _make_folders(target.parent, root)
        try:
            os.rename(incoming, target)  # fails when submitted/ holds an attempt: then it waits in pending/
            _sync_folder(target.parent)
            return Attempt(learner, assignment, target, SUBMITTED, submitted_at, digest)
        except OSError:
            if not target.exists():
                raise
        queued = root / PENDING / learner / assignment / attempt_name(submitted_at, digest)
        _make_folders(queued.parent, root)
        os.rename(incoming, queued)
        _sync_folder(queued.parent)
        return Attempt(learner, assignment, queued, PENDING, submitted_at, digest)
    finally:
        if incoming.exists():
            shutil.rmtree(incoming, ignore_errors=True)


def move(root: Path, attempt: Attempt, place: str) -> Attempt:
    """Move an attempt to another place, in one rename."""
    digest = attempt.known_digest
    if place == SUBMITTED:
        target = submitted_folder(root, attempt.learner, attempt.assignment)
    else:
        digest = attempt.digest  # named by it in pending/ and attempts/
        target = (
            root / place / attempt.learner / attempt.assignment / attempt_name(attempt.submitted_at, digest)
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(attempt.folder, target)
    return replace(attempt, folder=target, place=place, known_digest=digest)


def remove_leftovers(root: Path, older_than: float = 3600.0) -> int:
    """Remove the half-written attempts of a killed `collect`; return how many there were.

    Only old ones: a young one may be another `collect` writing right now.
    """
    base = root / PENDING
    now = time.time()
    leftovers = (
        [p for p in base.glob(INCOMING_PREFIX + "*") if now - p.stat().st_mtime > older_than]
        if base.is_dir()
        else []
    )
    for folder in leftovers:
        shutil.rmtree(folder, ignore_errors=True)
    return len(leftovers)
