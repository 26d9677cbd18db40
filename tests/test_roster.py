"""`canhgiac roster import`: the trainer's CSV or Excel file into nbgrader's gradebook, all or nothing."""

import os
import subprocess
import unicodedata
from pathlib import Path

import pytest
from openpyxl import Workbook

from canhgiac.course import Course
from canhgiac.roster import RosterError, import_roster, load_learners, read_roster
from canhgiac.roster.read import header_key
from canhgiac.tools import BIN

# The slow tier's marks of the tests that use these fixtures (tests/conftest.py): a gradebook made by alembic.
SLOW_FIXTURES = {"course": "nbgrader"}

HEADER = "Mã,Họ và tên,Cơ quan,Xã/phường,Email"
ROWS = [
    "CB001,Nguyễn Thị Lan,UBND xã Đình Lập,Đình Lập,lan@example.vn",
    "CB002,Hoàng Văn Minh,Công an huyện Đình Lập,Thái Bình,",
    "CB003,Lường Thị Hà,Phòng Giáo dục,Bắc Xa,ha@example.vn",
]


def write_csv(path: Path, lines: list[str], *, bom: bool = True, encoding: str = "utf-8") -> Path:
    text = "\r\n".join(lines) + "\r\n"  # Excel writes CRLF
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def students(course: Course) -> dict[str, tuple[str, str, str | None]]:
    with course.gradebook() as gradebook:
        return {s.id: (s.first_name, s.last_name, s.email) for s in gradebook.students}


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return Course(tmp_path / "course")


@pytest.mark.parametrize("bom", [True, False], ids=["excel-bom", "no-bom"])
def test_csv_with_or_without_bom(tmp_path, course, bom):
    """Does a CSV saved by Excel (with a BOM) import the same as one without?"""
    path = write_csv(tmp_path / "roster.csv", [HEADER, *ROWS], bom=bom)
    result = import_roster(course, path)
    assert (result.added, result.updated) == (3, 0)
    learners = load_learners(course)
    assert set(learners) == {"CB001", "CB002", "CB003"}
    assert learners["CB001"].full_name == "Nguyễn Thị Lan"
    assert learners["CB002"].agency == "Công an huyện Đình Lập"
    assert learners["CB003"].commune == "Bắc Xa"
    # Into nbgrader's own gradebook, family name as nbgrader's last name.
    assert students(course)["CB001"] == ("Thị Lan", "Nguyễn", "lan@example.vn")
    assert students(course)["CB002"][2] is None


def test_xlsx(tmp_path, course):
    """Does an Excel workbook import, with numeric IDs kept as written and blank rows skipped?"""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ID", "Name", "Agency", "Commune", "Email"])
    sheet.append([1001, "Vi Thị Hồng", "Trường THCS Kiên Mộc", "Kiên Mộc", None])
    sheet.append(["CB-02", "Chu Văn Đức", "UBND xã Lâm Ca", "Lâm Ca", "duc@example.vn"])
    sheet.append([None, None, None, None, None])
    workbook.save(tmp_path / "roster.xlsx")
    import_roster(course, tmp_path / "roster.xlsx")
    learners = load_learners(course)
    assert set(learners) == {"1001", "CB-02"}
    assert learners["1001"].full_name == "Vi Thị Hồng"


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Mã", "id"),
        ("  id ", "id"),
        ("HỌ VÀ TÊN", "full_name"),
        ("ho va ten", "full_name"),
        ("Họ  và  tên", "full_name"),
        ("Name", "full_name"),
        ("Cơ quan", "agency"),
        ("Đơn vị", "agency"),
        ("AGENCY", "agency"),
        ("Xã", "commune"),
        ("Xã / Phường", "commune"),
        ("xa/phuong", "commune"),
        ("Commune", "commune"),
        ("E-mail", "email"),
        ("Ghi chú", None),
    ],
)
def test_headers_in_vietnamese_or_english(header, key):
    """Is each header recognised whatever its case, diacritics and spacing?"""
    assert header_key(header) == key
    assert header_key(unicodedata.normalize("NFD", header)) == key


def test_decomposed_names_become_nfc(tmp_path, course):
    """Does a name typed in decomposed Unicode (NFD) keep its diacritics, stored as NFC?"""
    lines = [unicodedata.normalize("NFD", line) for line in [HEADER, *ROWS]]
    import_roster(course, write_csv(tmp_path / "roster.csv", lines))
    name = load_learners(course)["CB001"].full_name
    assert name == "Nguyễn Thị Lan" and unicodedata.is_normalized("NFC", name)


def test_semicolons_and_utf16(tmp_path):
    """Are Excel's other exports read too: semicolon-separated, and UTF-16 'Unicode text' with tabs?"""
    semi = write_csv(tmp_path / "semi.csv", [line.replace(",", ";") for line in [HEADER, *ROWS]])
    assert [entry.id for entry in read_roster(semi)] == ["CB001", "CB002", "CB003"]
    tabs = tmp_path / "unicode.txt"
    tabs.write_bytes(("\r\n".join(line.replace(",", "\t") for line in [HEADER, *ROWS])).encode("utf-16"))
    assert read_roster(tabs)[0].full_name == "Nguyễn Thị Lan"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([*ROWS, "cb001,Trùng Mã,UBND,Xã,"], "dòng 5: mã 'cb001' trùng với dòng 2"),
        ([ROWS[0], ",Không Có Mã,UBND,Xã,"], "dòng 3: thiếu mã học viên"),
        ([ROWS[0], "CB 9,Mã Có Dấu Cách,UBND,Xã,"], "dòng 3: mã 'CB 9' không hợp lệ"),
        ([ROWS[0], "CB009,,UBND,Xã,"], "dòng 3: thiếu họ và tên"),
        ([ROWS[0], "CB 9,,UBND,Xã,"], "dòng 3: mã 'CB 9' không hợp lệ"),
    ],
    ids=["duplicate", "empty-id", "bad-id", "empty-name", "bad-id-and-empty-name"],
)
def test_bad_rows_are_named_by_row(tmp_path, rows, message):
    """Is a duplicate, empty or unusable ID, or a missing name, rejected with its row number?"""
    with pytest.raises(RosterError) as error:
        read_roster(write_csv(tmp_path / "roster.csv", [HEADER, *rows]))
    assert message in str(error.value)


def test_every_problem_of_a_row_is_named(tmp_path):
    """Is a row with an unusable ID and no name reported for both, on one line, and the next bad row too?"""
    rows = [ROWS[0], "CB 9,,UBND,Xã,", ",,UBND,Xã,", "cb001,,UBND,Xã,"]
    with pytest.raises(RosterError) as error:
        read_roster(write_csv(tmp_path / "roster.csv", [HEADER, *rows]))
    lines = str(error.value).splitlines()
    assert any(
        "dòng 3: mã 'CB 9' không hợp lệ" in line and line.endswith("; thiếu họ và tên") for line in lines
    )
    assert "  - dòng 4: thiếu mã học viên; thiếu họ và tên" in lines
    assert "  - dòng 5: mã 'cb001' trùng với dòng 2; thiếu họ và tên" in lines


def test_missing_column(tmp_path):
    """Is a file without a needed column rejected, naming the column and the header row?"""
    path = write_csv(tmp_path / "roster.csv", ["Mã,Họ và tên,Email", "CB001,Nguyễn Thị Lan,"])
    with pytest.raises(RosterError, match=r"dòng 1 \(dòng tiêu đề\): thiếu cột Cơ quan, Xã"):
        read_roster(path)


def test_not_utf8(tmp_path):
    """Does a CSV in a legacy code page get a clear error that says how to save it?"""
    path = tmp_path / "roster.csv"
    path.write_bytes("ID,Name,Agency,Commune,Email\r\nCB001,Lê Văn Tâm,UBND,Tân Văn,\r\n".encode("cp1258"))
    with pytest.raises(RosterError, match="CSV UTF-8"):
        read_roster(path)


def test_nothing_half_imported(tmp_path, course):
    """When one row is bad, is nothing of the file stored, and the earlier roster left as it was?"""
    import_roster(course, write_csv(tmp_path / "first.csv", [HEADER, ROWS[0]]))
    before = (load_learners(course), students(course))
    bad = write_csv(
        tmp_path / "second.csv", [HEADER, ROWS[1], ROWS[2], "CB001,Đổi Tên,Khác,Khác,", "CB002,Trùng,X,Y,"]
    )
    with pytest.raises(RosterError):
        import_roster(course, bad)
    assert (load_learners(course), students(course)) == before


def test_reimport_updates(tmp_path, course):
    """Does importing a corrected roster update the learners already there and add the new ones?"""
    import_roster(course, write_csv(tmp_path / "a.csv", [HEADER, *ROWS[:2]]))
    moved = ROWS[1].replace("Công an huyện Đình Lập", "UBND xã Thái Bình")
    result = import_roster(course, write_csv(tmp_path / "b.csv", [HEADER, moved, ROWS[2]]))
    assert (result.added, result.updated) == (1, 1)
    learners = load_learners(course)
    assert learners["CB002"].agency == "UBND xã Thái Bình"
    assert set(learners) == {"CB001", "CB002", "CB003"}


@pytest.mark.nbgrader
def test_command_by_path_without_the_environment(tmp_path):
    """Does `.venv/bin/canhgiac roster import` work from a bare scheduled-job environment, and exit 2 on bad input?"""
    course = tmp_path / "khoa-hoc"
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
    good = write_csv(tmp_path / "roster.csv", [HEADER, *ROWS])
    done = subprocess.run(
        [str(BIN / "canhgiac"), "roster", "import", str(good), "--course", str(course)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "3 học viên mới" in done.stdout
    assert (course / "gradebook.db").exists()
    bad = write_csv(tmp_path / "bad.csv", [HEADER, ROWS[0], ROWS[0]])
    done = subprocess.run(
        [str(BIN / "canhgiac"), "roster", "import", str(bad), "--course", str(course)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "dòng 3" in done.stderr and "Traceback" not in done.stderr
