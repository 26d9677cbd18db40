"""Files from strangers: read with bounds, refused with a Vietnamese reason, never run.

Every entrance that takes a learner's file uses these: `canhgiac collect`
(files, folders, zip archives), `canhgiac grade` (whatever lies in
submitted/), and the hosted course's upload API.  Nothing here executes,
imports or follows what it reads:

- `read_json`: bounded bytes, UTF-8, no deeper than MAX_DEPTH, no more than
  MAX_ITEMS values (a "billion laughs" of nested lists, a 100,000-deep array);
- `read_notebook`: a notebook Jupyter can open (nbformat 4, at most
  MAX_CELLS cells), or Refused;
- `changes_from_release`: what a learner added, edited or re-labelled in the
  released quiz notebook (cells, grade ids, points, types), in Vietnamese,
  for the trainer's "cần xem lại";
- `name_problem`, `shown`: file and folder names (`..`, control characters,
  300 characters), and names made safe to print on a terminal;
- `read_regular_file`: one file under a folder, never through a symbolic
  link, never a hard link to a file elsewhere, never more than a bound.

Each check raises Refused (or returns the reason) with a sentence for the trainer.
`upload_problem(name, data)` puts them together for one uploaded file (the
hosted course's API): the reason it must be refused, or None.
"""

import json
import os
import stat
import unicodedata
from pathlib import Path

# A quiz notebook is about 0.4 MB with its outputs, and holds a dozen cells;
# an answers file is a few kB.  Far beyond these is not a quiz.
MAX_NOTEBOOK_BYTES = 5_000_000
MAX_CELLS = 1_000
MAX_DEPTH = 64
MAX_ITEMS = 200_000
MAX_NAME_CHARS = 200


class Refused(ValueError):
    """A file that is not taken; the message says why, in Vietnamese."""


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n:,} byte".replace(",", ".")


def _check_shape(value: object, max_depth: int, max_items: int) -> None:
    """Refused when a parsed JSON value is deeper or larger than allowed (walked without recursion)."""
    stack = [(value, 1)]
    items = 0
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise Refused(
                f"dữ liệu JSON lồng nhau quá sâu (hơn {max_depth} tầng), không phải tệp của khóa học"
            )
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            items += 1
            if items > max_items:
                raise Refused(f"tệp JSON có quá nhiều phần tử (hơn {max_items:,})".replace(",", "."))
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))


def read_json(
    data: bytes,
    *,
    max_bytes: int = MAX_NOTEBOOK_BYTES,
    max_depth: int = MAX_DEPTH,
    max_items: int = MAX_ITEMS,
) -> object:
    """Parse untrusted JSON bytes; Refused with the reason when too big, not UTF-8, broken, too deep or too large."""
    value = _parse(data, max_bytes, max_depth)
    _check_shape(value, max_depth, max_items)
    return value


def _parse(data: bytes, max_bytes: int, max_depth: int) -> object:
    if len(data) > max_bytes:
        raise Refused(f"tệp quá lớn ({_size(len(data))}, tối đa {_size(max_bytes)})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(f"tệp không ở dạng UTF-8 (byte lạ ở vị trí {exc.start}), không đọc được") from None
    if "\x00" in text:
        raise Refused("tệp có ký tự NUL, không phải tệp JSON")
    try:
        value = json.loads(text)
    except RecursionError:
        raise Refused(
            f"dữ liệu JSON lồng nhau quá sâu (hơn {max_depth} tầng), không phải tệp của khóa học"
        ) from None
    except json.JSONDecodeError as exc:
        raise Refused(
            f"tệp JSON hỏng (lỗi ở dòng {exc.lineno}, cột {exc.colno}): có thể tệp tải về hoặc lưu "
            "chưa hết; hãy xin học viên gửi lại tệp"
        ) from None
    return value


def read_notebook(data: bytes, *, max_bytes: int = MAX_NOTEBOOK_BYTES, max_cells: int = MAX_CELLS):
    """An nbformat 4 notebook (a NotebookNode) from untrusted bytes, validated; Refused otherwise."""
    import nbformat

    value = _parse(data, max_bytes, MAX_DEPTH)
    if not isinstance(value, dict) or "cells" not in value and "worksheets" not in value:
        raise Refused("không phải sổ tay Jupyter (.ipynb)")
    major = value.get("nbformat")
    if not isinstance(major, int):
        raise Refused("sổ tay hỏng, Jupyter không mở được (không ghi phiên bản nbformat)")
    if major != 4:
        raise Refused(f"sổ tay dạng nbformat {major}, khóa học chỉ nhận sổ tay nbformat 4")
    cells = value.get("cells")
    if not isinstance(cells, list):
        raise Refused("sổ tay hỏng: không có danh sách ô (cells)")
    if len(cells) > max_cells:
        raise Refused(
            f"sổ tay có {len(cells):,} ô, quá nhiều cho một bài kiểm tra (tối đa {max_cells:,})".replace(
                ",", "."
            )
        )
    _check_shape(value, MAX_DEPTH, MAX_ITEMS)
    try:
        notebook = nbformat.from_dict(value)
        nbformat.validate(notebook)
    except Exception as exc:  # nbformat raises many kinds for what is not a notebook
        raise Refused(f"sổ tay hỏng, Jupyter không mở được ({type(exc).__name__})") from None
    return notebook


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {"?": repr(meta)[:40]}


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


# What nbgrader reads from a cell's metadata to grade it.
GRADING_FIELDS = ("grade", "solution", "locked", "task", "grade_id", "points")


def _listed(ids: list[str], limit: int = 5) -> str:
    shown_ids = [shown(i, 40) for i in ids[:limit]]
    return ", ".join(shown_ids) + (f" và {len(ids) - limit} ô khác" if len(ids) > limit else "")


def changes_from_release(notebook, release) -> list[str]:
    """What a submitted notebook changed in the released one, as notes for the trainer; [] when nothing.

    Cells are matched by their nbgrader grade id (every cell of a released quiz
    has one).  Outputs, execution counts and display metadata (a hidden input
    shown, a scrolled output) are what a learner's Jupyter changes: not noted.
    """
    released = {
        _nbgrader(c).get("grade_id"): c for c in release.get("cells", []) if _nbgrader(c).get("grade_id")
    }
    seen: set[str] = set()
    added, copied, edited, relabelled = [], [], [], []
    for index, cell in enumerate(notebook.get("cells", []), start=1):
        grade_id = _nbgrader(cell).get("grade_id")
        original = released.get(grade_id) if isinstance(grade_id, str) else None
        if original is None:
            added.append(f"ô {index}")
            if _nbgrader(cell):
                copied.append(f"ô {index}")
            continue
        if grade_id in seen:
            copied.append(f"ô {index} ({grade_id})")
            continue
        seen.add(grade_id)
        if cell.get("cell_type") != original.get("cell_type"):
            relabelled.append(
                f"{grade_id}: loại ô {original.get('cell_type')} → {shown(str(cell.get('cell_type')), 20)}"
            )
        mine, theirs = _nbgrader(cell), _nbgrader(original)
        for name in GRADING_FIELDS:
            if mine.get(name) != theirs.get(name):
                relabelled.append(
                    f"{grade_id}: {name} {theirs.get(name)!r} → {shown(repr(mine.get(name)), 30)}"
                )
        if _source(cell) != _source(original):
            edited.append(grade_id)
    deleted = [grade_id for grade_id in released if grade_id not in seen]
    kept_order = [
        c for c in (_nbgrader(c).get("grade_id") for c in notebook.get("cells", [])) if c in released
    ]
    notes = []
    if added:
        notes.append(f"học viên thêm {len(added)} ô ({_listed(added)}); các ô này không được chạy khi chấm")
    if copied:
        notes.append(
            f"có ô mang siêu dữ liệu chấm điểm (nbgrader) chép sang ({_listed(copied)}); không được tính"
        )
    if edited:
        notes.append(f"nội dung ô của bài gốc đã bị sửa ({_listed(edited)}); chấm bằng ô gốc")
    if relabelled:
        notes.append(f"siêu dữ liệu chấm điểm đã bị sửa ({_listed(relabelled, 3)}); dùng giá trị gốc")
    if deleted:
        notes.append(f"ô của bài gốc đã bị xóa ({_listed(deleted)}); chấm bằng ô gốc")
    if not deleted and list(dict.fromkeys(kept_order)) != list(released):
        notes.append("thứ tự các ô của bài gốc đã bị đổi; chấm theo thứ tự gốc")
    if any("\x00" in _source(c) for c in notebook.get("cells", [])):
        notes.append("sổ tay có ký tự NUL trong ô")
    return notes


def shown(name: str, limit: int = 120) -> str:
    """A name as it may be printed on a terminal: control characters escaped, shortened."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else ascii(ch)[1:-1] for ch in str(name))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def name_problem(name: str) -> str | None:
    """Why a file or folder name from a stranger cannot be taken, or None when it can."""
    if name in ("", ".", "..") or "/" in name or "\\" in name:
        return f"tên '{shown(name)}' chỉ tới thư mục khác (có '..' hoặc '/')"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in name):
        return f"tên '{shown(name)}' có ký tự điều khiển"
    if len(name) > MAX_NAME_CHARS or len(name.encode("utf-8", "surrogateescape")) > 255:
        return f"tên dài {len(name)} ký tự, quá dài (tối đa {MAX_NAME_CHARS})"
    return None


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of one regular file, not through a link, at most `max_bytes`; Refused otherwise.

    Opened with O_NOFOLLOW and checked on the open file (no race with a
    rename): a symbolic link, a hard link (a second name of a file that may be
    anywhere on the disk, such as the gradebook), a device or a FIFO is refused.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == 40 or os.path.islink(path):  # ELOOP: the last part is a symbolic link
            raise Refused(f"{shown(path.name)} là liên kết (symlink), không đọc") from None
        raise Refused(f"không đọc được {shown(path.name)} ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{shown(path.name)} không phải tệp thường, không đọc")
        if info.st_nlink > 1:
            raise Refused(f"{shown(path.name)} là liên kết cứng (hard link) tới tệp khác, không đọc")
        if info.st_size > max_bytes:
            raise Refused(f"{shown(path.name)} quá lớn ({_size(info.st_size)}, tối đa {_size(max_bytes)})")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise Refused(f"{shown(path.name)} quá lớn (hơn {_size(max_bytes)})")
    return data


def is_inside(path: Path, root: Path) -> bool:
    """Is `path`, with every link in it followed, inside `root`?"""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def upload_problem(name: str, data: bytes) -> str | None:
    """Why one uploaded file (a quiz notebook or an answers file) must be refused, in Vietnamese; None if not.

    For an entrance that takes files one by one (the hosted course's API): the
    same checks as `canhgiac collect` and `canhgiac grade`.  A notebook that
    passes is still never run: grading uses the released notebook.
    """
    from canhgiac.quiz.answers import MAX_BYTES, parse_answers

    problem = name_problem(name)
    if problem:
        return problem
    try:
        if name.lower().endswith(".ipynb"):
            read_notebook(data)
            return None
        if name.lower().endswith(".json"):
            read_json(data, max_bytes=MAX_BYTES)
            loaded = parse_answers(data)
            if loaded.file_problem:
                return loaded.file_problem
            if loaded.question_problems:
                return next(iter(loaded.question_problems.values()))
            return None
    except Refused as exc:
        return str(exc)
    return "chỉ nhận sổ tay (.ipynb) hoặc tệp bài làm (.json)"
