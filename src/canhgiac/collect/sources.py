"""The files a trainer received (files, folders, zip archives, archives in archives), read safely.

Archive entries are read into memory and never written to disk by their own
names, so a name like `../../.bashrc` cannot reach outside the course; such a
name is still refused, since no quiz folder holds one.  What an archive may
unpack to is bounded (CollectSettings): a zip bomb is refused as a whole, after
reading at most the limit.
"""

import io
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from canhgiac.collect.settings import CollectSettings
from canhgiac.course.attempts import to_utc

# What a submission is made of; anything else in a folder or archive (a signature image, a
# feedback page) is passed over in silence.
READ_SUFFIXES = (".ipynb", ".json")
ARCHIVE_SUFFIXES = (".zip",)
# Made by the systems files travel through, never by a learner.
SKIPPED_NAMES = {"__MACOSX", ".ipynb_checkpoints", "__pycache__", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class Received:
    """One notebook or JSON file found among the inputs."""

    origin: str  # as the trainer will read it: "thu.zip › LS-0001/final/answers.json"
    names: tuple[str, ...]  # folder, archive and file names leading to it, outermost first, without suffixes
    group: str  # files with the same group came together: one folder of one input
    suffix: str  # ".ipynb" or ".json"
    data: bytes
    modified: datetime  # UTC, naive


@dataclass(frozen=True)
class Refused:
    origin: str
    reason: str


class _ArchiveTooBig(Exception):
    pass


@dataclass
class _Budget:
    bytes_left: int
    files_left: int


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_NAMES


def _stem(name: str) -> str:
    lower = name.lower()
    for suffix in (*READ_SUFFIXES, *ARCHIVE_SUFFIXES):
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _is_archive(path: Path) -> bool:
    if path.suffix.lower() in ARCHIVE_SUFFIXES:
        return True
    try:
        with path.open("rb") as stream:
            return stream.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _typed_names(path: Path) -> tuple[str, ...]:
    """The names of a path as the trainer typed it ('.' becomes the folder's own name)."""
    parts = tuple(p for p in path.parts if p not in ("/", ".", "..") and not p.endswith(":\\"))
    return parts or (path.resolve().name,)


class Gatherer:
    """Collects Received files and Refused inputs from the paths given to `canhgiac collect`."""

    def __init__(self, limits: CollectSettings) -> None:
        self.limits = limits
        self.received: list[Received] = []
        self.refused: list[Refused] = []

    # --- files on disk -------------------------------------------------------------------------

    def add_path(self, path: Path) -> None:
        origin = str(path)
        if path.is_symlink() and not path.exists():
            self.refused.append(Refused(origin, "liên kết hỏng"))
        elif path.is_dir():
            self._add_folder(path)
        elif not path.exists():
            self.refused.append(Refused(origin, "không tìm thấy tệp hay thư mục này"))
        elif _is_archive(path):
            self._add_archive_file(path, origin, _typed_names(path)[:-1] + (_stem(path.name),))
        elif path.suffix.lower() in READ_SUFFIXES:
            self._add_file(path, origin, _typed_names(path), str(path.resolve().parent))
        else:
            self.refused.append(
                Refused(origin, "không nhận loại tệp này (chỉ nhận .ipynb, .json, .zip hoặc một thư mục)")
            )

    def _add_file(self, path: Path, origin: str, names: tuple[str, ...], group: str) -> None:
        limit = self.limits.max_file_bytes
        try:
            size = path.stat().st_size
            if size > limit:
                self.refused.append(Refused(origin, f"tệp quá lớn ({_mb(size)}, tối đa {_mb(limit)})"))
                return
            with path.open("rb") as stream:
                data = stream.read(limit + 1)
            modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
        except OSError as exc:
            self.refused.append(Refused(origin, f"không đọc được ({exc.strerror})"))
            return
        if len(data) > limit:
            self.refused.append(Refused(origin, f"tệp quá lớn (hơn {_mb(limit)})"))
            return
        names = names[:-1] + (_stem(names[-1]),)
        self.received.append(Received(origin, names, group, path.suffix.lower(), data, modified))

    def _add_folder(self, folder: Path) -> None:
        base = _typed_names(folder)
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if any(_skipped(part) for part in relative.parts):
                continue
            origin = str(path)
            if path.is_symlink():
                self.refused.append(Refused(origin, "là liên kết (symlink), không đọc"))
                continue
            if not path.is_file():
                continue
            names = base + relative.parts
            if path.suffix.lower() in ARCHIVE_SUFFIXES:
                self._add_archive_file(path, origin, names[:-1] + (_stem(path.name),))
            elif path.suffix.lower() in READ_SUFFIXES:
                self._add_file(path, origin, names, str(path.parent))

    # --- archives ------------------------------------------------------------------------------

    def _add_archive_file(self, path: Path, origin: str, names: tuple[str, ...]) -> None:
        """Everything an archive holds, or nothing when it unpacks to too much."""
        budget = _Budget(self.limits.max_archive_bytes, self.limits.max_archive_files)
        try:
            with path.open("rb") as stream:
                received, refused = self._read_archive(stream, origin, names, depth=0, budget=budget)
        except OSError as exc:
            self.refused.append(Refused(origin, f"không đọc được ({exc.strerror})"))
            return
        except _ArchiveTooBig:
            self.refused.append(
                Refused(
                    origin,
                    "tệp nén giải ra quá lớn hoặc quá nhiều tệp (có thể là 'zip bomb'); không nhận tệp nào trong đó "
                    f"(tối đa {_mb(self.limits.max_archive_bytes)}, {self.limits.max_archive_files} tệp)",
                )
            )
            return
        self.received += received
        self.refused += refused

    def _read_archive(self, stream, origin: str, names: tuple[str, ...], depth: int, budget: _Budget):
        """(received, refused) of an archive; _ArchiveTooBig when it, or one inside it, unpacks to too much."""
        received: list[Received] = []
        refused: list[Refused] = []
        try:
            with zipfile.ZipFile(stream) as archive:
                for info in archive.infolist():
                    self._add_entry(archive, info, origin, names, depth, budget, received, refused)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
            return [], [Refused(origin, f"tệp nén hỏng, không mở được ({type(exc).__name__})")]
        return received, refused

    def _add_entry(self, archive, info, origin, names, depth, budget, received, refused) -> None:
        raw_name = info.filename.replace("\\", "/")
        entry = PurePosixPath(raw_name)
        here = f"{origin} › {raw_name}"
        if info.is_dir():
            return
        if raw_name.startswith("/") or re.match(r"^[A-Za-z]:", raw_name) or ".." in entry.parts:
            refused.append(Refused(here, "đường dẫn không an toàn trong tệp nén (ra ngoài thư mục); bỏ qua"))
            return
        parts = tuple(p for p in entry.parts if p not in ("", "."))
        if not parts or any(_skipped(p) for p in parts):
            return
        if stat.S_ISLNK(info.external_attr >> 16):
            refused.append(Refused(here, "là liên kết (symlink) trong tệp nén, không đọc"))
            return
        suffix = PurePosixPath(parts[-1]).suffix.lower()
        if suffix not in READ_SUFFIXES + ARCHIVE_SUFFIXES:
            return
        if info.flag_bits & 0x1:
            refused.append(Refused(here, "tệp có mật khẩu, không đọc được"))
            return
        budget.files_left -= 1
        if budget.files_left < 0:
            raise _ArchiveTooBig
        is_archive = suffix in ARCHIVE_SUFFIXES
        if is_archive and depth >= self.limits.max_nesting:
            refused.append(Refused(here, "tệp nén lồng trong tệp nén quá nhiều tầng"))
            return
        limit = budget.bytes_left if is_archive else min(self.limits.max_file_bytes, budget.bytes_left)
        if info.file_size > limit:
            if is_archive or info.file_size > budget.bytes_left:
                raise _ArchiveTooBig
            refused.append(Refused(here, f"tệp quá lớn ({_mb(info.file_size)}, tối đa {_mb(limit)})"))
            return
        try:
            with archive.open(info) as member:
                data = member.read(limit + 1)  # the sizes an archive declares may lie
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            refused.append(Refused(here, f"hỏng trong tệp nén ({type(exc).__name__})"))
            return
        budget.bytes_left -= len(data)
        if budget.bytes_left < 0 or (is_archive and len(data) > limit):
            raise _ArchiveTooBig
        if len(data) > limit:
            refused.append(Refused(here, f"tệp quá lớn (hơn {_mb(limit)})"))
            return
        inner_names = names + parts[:-1] + (_stem(parts[-1]),)
        if is_archive:
            inner_received, inner_refused = self._read_archive(
                io.BytesIO(data), here, inner_names, depth + 1, budget
            )
            received += inner_received
            refused += inner_refused
            return
        modified = to_utc(datetime(*info.date_time))  # zip stores the local time of the machine that made it
        group = f"{origin}::{'/'.join(parts[:-1])}"
        received.append(Received(here, inner_names, group, suffix, data, modified))


def gather(paths: list[Path], limits: CollectSettings) -> tuple[list[Received], list[Refused]]:
    """Every notebook and JSON file in `paths`, and the inputs refused with their reasons."""
    gatherer = Gatherer(limits)
    for path in paths:
        gatherer.add_path(Path(path))
    return gatherer.received, gatherer.refused
