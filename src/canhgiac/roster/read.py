"""Reading a roster file (CSV or XLSX) into learners, checking every row before anything is stored.

Trainers export rosters from Excel or from an agency's HR system, so the
reader accepts what those write: a UTF-8 BOM, UTF-16 "Unicode text", commas,
semicolons or tabs, headers in Vietnamese or English in any case, with or
without diacritics, and trailing blank rows.
"""

import csv
import io
import re
from pathlib import Path

from canhgiac.course.learners import ID_RULE, LEARNER, TRAINER, Learner, id_key, is_valid_id
from canhgiac.datafile import DataError
from canhgiac.text import fold, nfc

# The columns, by the folded forms of the headers that name them.
HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("ma", "id", "ma so", "ma hoc vien", "ma can bo"),
    "full_name": ("ho va ten", "ho ten", "name", "full name"),
    "agency": ("co quan", "don vi", "agency", "co quan/don vi", "co quan, don vi"),
    "commune": ("xa", "xa/phuong", "xa, phuong", "phuong/xa", "xa phuong", "commune"),
    "email": ("email", "e-mail", "thu dien tu"),
    "role": ("vai tro", "role"),
}
# How the columns are named in messages to the trainer.
COLUMN_NAMES = {
    "id": "Mã",
    "full_name": "Họ và tên",
    "agency": "Cơ quan",
    "commune": "Xã",
    "email": "Email",
    "role": "Vai trò",
}
REQUIRED = ("id", "full_name", "agency", "commune", "email")
ROLES = {fold(LEARNER): LEARNER, fold(TRAINER): TRAINER}


class RosterError(DataError):
    """A roster file that cannot be imported; the message lists every problem with its row."""


def header_key(header: object) -> str | None:
    """The column a header names ('  Họ  và TÊN ' -> 'full_name'), or None for a column we do not use."""
    folded = re.sub(r"\s+", " ", fold(nfc(str(header or "")))).strip()
    folded = re.sub(r"\s*([/,])\s*", r"\1 ", folded).replace("/ ", "/").strip()
    for key, names in HEADERS.items():
        if folded in names:
            return key
    return None


def clean(value: object) -> str:
    """A cell as text: NFC, spaces collapsed; whole numbers from Excel lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", nfc(str(value))).strip()


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")  # Excel's "Unicode text"
    try:
        return raw.decode("utf-8-sig")  # with or without Excel's BOM
    except UnicodeDecodeError:
        raise RosterError(
            f"{path}: tệp không ở dạng UTF-8. Trong Excel, chọn Save As › CSV UTF-8 (Comma delimited) rồi nhập lại."
        ) from None


def _csv_rows(path: Path) -> list[list[object]]:
    text = _decode(path.read_bytes(), path)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_rows(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise RosterError(f"{path}: không đọc được tệp Excel ({exc.__class__.__name__}).") from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _is_header(row: list[object]) -> bool:
    """Does this row name every required column (a header row)?"""
    return set(REQUIRED) <= {header_key(cell) for cell in row}


def read_roster(path: Path) -> list[Learner]:
    """Every learner of the file, or a RosterError listing every problem (row numbers as in Excel)."""
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"{path}: không tìm thấy tệp")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        rows = _csv_rows(path)
    else:
        raise RosterError(f"{path}: chỉ nhận tệp .csv hoặc .xlsx")

    # The header is the first row that is not blank.
    start = next((i for i, row in enumerate(rows) if any(clean(c) for c in row)), None)
    if start is None:
        raise RosterError(f"{path}: tệp trống")
    columns: dict[str, int] = {}
    for index, header in enumerate(rows[start]):
        key = header_key(header)
        if key and key not in columns:
            columns[key] = index
    missing = [COLUMN_NAMES[key] for key in REQUIRED if key not in columns]
    below = next((i for i in range(start + 1, min(len(rows), start + 6)) if _is_header(rows[i])), None)
    if missing and below is not None:
        # A title ("DANH SÁCH HỌC VIÊN ĐỢT 1") above the headers, as printed lists have.
        raise RosterError(
            f"{path}: dòng tiêu đề (Mã, Họ và tên, Cơ quan, Xã, Email) là dòng {below + 1}, không phải dòng đầu. "
            f"Hãy xóa {'dòng' if below - start == 1 else 'các dòng'} phía trên nó "
            f"(dòng {start + 1}{'' if below - start == 1 else f' đến {below}'}: tên văn bản hay ghi chú) "
            "để dòng tiêu đề là dòng đầu tiên, rồi chạy lại lệnh."
        )
    if missing:
        raise RosterError(
            f"{path}, dòng {start + 1} (dòng tiêu đề): thiếu cột {', '.join(missing)}. "
            "Cần các cột: Mã (ID), Họ và tên (Name), Cơ quan (Agency), Xã (Commune), Email."
        )

    learners: list[Learner] = []
    problems: list[str] = []
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows[start + 1 :], start=start + 2):
        cells = {key: clean(row[i]) if i < len(row) else "" for key, i in columns.items()}
        if not any(cells.values()):
            continue  # blank rows, as Excel leaves at the end
        # Every problem of the row, so that one round of corrections is enough.
        row_problems = []
        learner_id = cells["id"]
        if not learner_id:
            row_problems.append("thiếu mã học viên")
        elif not is_valid_id(learner_id):
            row_problems.append(f"mã '{learner_id}' không hợp lệ ({ID_RULE})")
        elif id_key(learner_id) in first_row:
            row_problems.append(f"mã '{learner_id}' trùng với dòng {first_row[id_key(learner_id)]}")
        else:
            first_row[id_key(learner_id)] = number
        if not cells["full_name"]:
            named = learner_id and not row_problems
            row_problems.append(f"thiếu họ và tên của '{learner_id}'" if named else "thiếu họ và tên")
        role = ROLES.get(fold(cells.get("role", "")) or fold(LEARNER))
        if role is None:
            row_problems.append(
                f"vai trò '{cells['role']}' không rõ (ghi '{LEARNER}' hoặc '{TRAINER}', để trống là học viên)"
            )
        if row_problems:
            problems.append(f"dòng {number}: " + "; ".join(row_problems))
            continue
        learners.append(
            Learner(learner_id, cells["full_name"], cells["agency"], cells["commune"], cells["email"], role)
        )
    if problems:
        raise RosterError(f"{path}: không nhập gì cả vì có lỗi:\n" + "\n".join(f"  - {p}" for p in problems))
    if not learners:
        raise RosterError(f"{path}: không có học viên nào sau dòng tiêu đề")
    return learners
