"""`canhgiac certificates`: one PDF per learner who passed, none for the others, the name exactly as the roster's."""

import os
import subprocess
import unicodedata
from datetime import date

import pytest
from pypdf import PdfReader

from canhgiac.certificates.wording import score_text, vietnamese_date
from canhgiac.course import Course
from canhgiac.report.synthetic import generate_gradebook
from canhgiac.roster import import_roster
from canhgiac.tools import BIN

BARE_ENV = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
# Names the generator does not make (stacked diacritics, đ, ư, ơ), given to three learners who passed;
# the first and the last are written to the roster in NFD, as some systems export.
NEW_NAMES = [
    ("Nguyễn Thị Ánh Tuyết", "Phòng Tài chính – Kế hoạch", "Xã Đình Lập", "NFD"),
    ("Đặng Văn Ưng", "Trung tâm Y tế", "Xã Bắc Xa", "NFC"),
    ("Lương Thị Ổn", "Trường THCS Đình Lập", "Xã Kiên Mộc", "NFD"),
]


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 11, 29), "ngày 29 tháng 11 năm 2026"),
        (date(2026, 2, 5), "ngày 05 tháng 02 năm 2026"),
        (date(2026, 3, 9), "ngày 09 tháng 3 năm 2026"),
        (date(2026, 12, 10), "ngày 10 tháng 12 năm 2026"),
    ],
)
def test_dates_are_written_as_vietnamese_documents_write_them(day, text):
    """Is the date in the administrative form, a leading zero on days 1-9 and months 1-2?"""
    assert vietnamese_date(day) == text


def test_scores_are_written_in_vietnamese():
    """Is a score written with its maximum and its share, with a decimal comma?"""
    assert score_text(15, 17) == "15/17 điểm (88,2%)"
    assert score_text(16, 20) == "16/20 điểm (80%)"
    assert score_text(12.5, 15) == "12,5/15 điểm (83,3%)"


def _passed(data) -> dict[str, float]:
    """learner -> final score, for those whose final test reached 80%, from the generated data alone."""
    final = {lid: sum(by_quiz["final"].values()) for lid, by_quiz in data.latest.items() if "final" in by_quiz}
    top = sum(data.quizzes["final"].values())
    return {lid: score for lid, score in final.items() if score >= 0.8 * top - 1e-9}


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """A generated course whose roster was re-imported with new names, certificates issued by path.

    Yields (generated data, the roster as imported: id -> (name, agency), out folder, stdout).
    """
    course = tmp_path_factory.mktemp("course")
    data = generate_gradebook(f"sqlite:///{course / 'gradebook.db'}", 16, quizzes=2, questions=5, seed=3)
    renamed = dict(zip(sorted(_passed(data)), NEW_NAMES, strict=False))
    assert len(renamed) == len(NEW_NAMES), "too few learners passed: change the seed"
    roster = {lid: (name, agency) for lid, (name, agency, _, _) in data.roster.items()}
    lines = ["Mã,Họ và tên,Cơ quan,Xã,Email"]
    for lid, (name, agency, commune, email) in data.roster.items():
        if lid in renamed:
            name, agency, commune, form = renamed[lid]
            roster[lid] = (name, agency)
            name = unicodedata.normalize(form, name)
        lines.append(f"{lid},{name},{agency},{commune},{email}")
    path = course.parent / "danh-sach.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    assert not unicodedata.is_normalized("NFC", path.read_text(encoding="utf-8-sig"))
    import_roster(Course(course), path)
    out = course.parent / "chung-nhan"
    result = subprocess.run(
        [str(BIN / "canhgiac"), "certificates", "--course", str(course), "--out", str(out), "--date", "2026-11-29"],
        env=BARE_ENV,
        cwd=course.parent,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return data, roster, out, result.stdout


def test_one_certificate_per_learner_who_passed_and_none_for_the_others(issued):
    """Is there exactly one PDF for each learner whose final test reached 80%, and none for anyone else?"""
    data, _, out, stdout = issued
    passed = _passed(data)
    assert 0 < len(passed) < len(data.roster), "the data must have learners who passed and learners who did not"
    assert {p.name for p in out.iterdir()} == {f"{lid}.pdf" for lid in passed}
    assert f"Đã viết {len(passed)} giấy chứng nhận" in stdout


def test_each_certificate_names_the_learner_as_the_roster_spells_it(issued):
    """Does the PDF's text hold the NFC name (even one given in NFD), the agency, the course, the date and the score?"""
    data, roster, out, _ = issued
    top = sum(data.quizzes["final"].values())
    for lid, score in _passed(data).items():
        reader = PdfReader(out / f"{lid}.pdf")
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, in points
        text = reader.pages[0].extract_text()
        assert unicodedata.is_normalized("NFC", text)
        name, agency = roster[lid]
        assert name in text.splitlines(), (lid, name)
        assert f"Cơ quan, đơn vị: {agency}" in text
        assert "Cảnh giác trước thủ đoạn cắt ghép hình ảnh để tống tiền" in text
        assert "ngày 29 tháng 11 năm 2026" in text.lower()  # "Ngày ..." when no place is set
        assert score_text(score, top) in text
    assert {n for n, *_ in NEW_NAMES} <= {roster[lid][0] for lid in _passed(data)}
