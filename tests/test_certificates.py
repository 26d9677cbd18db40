"""`canhgiac certificates`: one PDF per learner who passed, none for the others, the name exactly as the roster's.

Run again, the folder follows who passes: new certificates for new passes,
the others kept byte for byte with the date of their first issue, and those
of learners who no longer pass deleted.
"""

import json
import shutil
import subprocess
import unicodedata
from datetime import date

import pytest
from course_factory import BARE_ENV
from pypdf import PdfReader
from synthetic import generate_gradebook

from canhgiac.certificates import MANIFEST, write_certificates
from canhgiac.certificates.wording import score_text, vietnamese_date
from canhgiac.cli import main
from canhgiac.course import Course
from canhgiac.roster import import_roster
from canhgiac.tools import BIN

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
    final = {
        lid: sum(by_quiz["final"].values()) for lid, by_quiz in data.latest.items() if "final" in by_quiz
    }
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
        [
            str(BIN / "canhgiac"),
            "certificates",
            "--course",
            str(course),
            "--out",
            str(out),
            "--date",
            "2026-11-29",
        ],
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
    assert 0 < len(passed) < len(data.roster), (
        "the data must have learners who passed and learners who did not"
    )
    assert {p.name for p in out.iterdir()} == {f"{lid}.pdf" for lid in passed} | {MANIFEST}
    assert f"có {len(passed)} giấy chứng nhận" in stdout and f"{len(passed)} giấy mới" in stdout
    issued = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["certificates"]
    assert {lid: entry["issued"] for lid, entry in issued.items()} == dict.fromkeys(passed, "2026-11-29")


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


def test_a_certificate_says_passed_not_completed(issued):
    """Does the certificate say the learner reached the course's requirement ("đạt yêu cầu"), never "hoàn thành"?

    The report calls "hoàn thành" handing in every quiz, which a learner who
    passed the final test may not have done.
    """
    _, _, out, _ = issued
    for pdf in out.glob("*.pdf"):
        text = PdfReader(pdf).pages[0].extract_text()
        assert "Đã đạt yêu cầu khóa bồi dưỡng" in text and "Điểm bài kiểm tra cuối khóa:" in text
        assert "hoàn thành" not in text.lower()


# ------------------------------------------------------------------ running again


@pytest.fixture
def rerun(issued, tmp_path):
    """A copy of the issued course and folder, and a way to run `canhgiac certificates` on them in-process."""
    data, roster, out, _ = issued
    course = tmp_path / "course"
    shutil.copytree(
        out.parent / next(p.name for p in out.parent.iterdir() if (p / "gradebook.db").exists()), course
    )
    folder = tmp_path / "chung-nhan"
    shutil.copytree(out, folder)

    def run(capsys, *extra: str) -> str:
        assert main(["certificates", "--course", str(course), "--out", str(folder), *extra]) == 0
        return capsys.readouterr().out

    return data, course, folder, run, roster


def _hand_in_a_worse_final(course, learners) -> None:
    """As if these learners handed in the final test again and did worse: their latest attempt scores 0."""
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(f"sqlite:///{course / 'gradebook.db'}")
    query = text(
        "UPDATE grade SET auto_score = 0, manual_score = NULL, extra_credit = NULL WHERE notebook_id IN ("
        " SELECT sn.id FROM submitted_notebook sn JOIN submitted_assignment sa ON sa.id = sn.assignment_id"
        " JOIN assignment a ON a.id = sa.assignment_id WHERE a.name = 'final' AND sa.student_id IN :ids)"
    ).bindparams(bindparam("ids", expanding=True))
    with engine.begin() as conn:
        assert conn.execute(query, {"ids": sorted(learners)}).rowcount > 0
    engine.dispose()


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.glob("*.pdf")}


def test_running_again_keeps_every_certificate_and_its_first_date(rerun, capsys):
    """Run again on another day, is every certificate left byte for byte, still dated by its first issue?"""
    _, _, folder, run, _ = rerun
    before = _snapshot(folder)
    stdout = run(capsys)  # today, not 2026-11-29
    assert _snapshot(folder) == before
    assert f"{len(before)} giấy giữ nguyên" in stdout and "0 giấy mới" in stdout and "Đã xóa" not in stdout
    for pdf in folder.glob("*.pdf"):
        assert "ngày 29 tháng 11 năm 2026" in PdfReader(pdf).pages[0].extract_text().lower()


def test_a_learner_who_no_longer_passes_loses_the_certificate(rerun, capsys):
    """When some learners' latest final is worse, are exactly their certificates deleted and named, nothing else touched?"""
    data, course, folder, run, roster = rerun
    passed = sorted(_passed(data))
    lost, still = set(passed[:2]), set(passed[2:])
    assert still, "too few learners passed: change the seed"
    _hand_in_a_worse_final(course, lost)
    (folder / "ghi-chu.txt").write_text("của cán bộ", encoding="utf-8")
    (folder / "mau-giay.pdf").write_bytes(b"%PDF- not a learner's")
    before = _snapshot(folder)

    stdout = run(capsys)
    assert {p.stem for p in folder.glob("*.pdf")} == still | {"mau-giay"}
    assert (folder / "ghi-chu.txt").read_text(encoding="utf-8") == "của cán bộ"
    assert all(_snapshot(folder)[f"{lid}.pdf"] == before[f"{lid}.pdf"] for lid in still)
    for lid in lost:
        assert f"Đã xóa giấy chứng nhận của {roster[lid][0]} ({lid}) vì không còn đạt." in stdout
    assert f"có {len(still)} giấy chứng nhận" in stdout
    assert set(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["certificates"]) == still


def test_a_new_date_dates_every_certificate_anew(rerun, capsys):
    """With --date, is every certificate rewritten with that date, and is that date kept by the next run?"""
    _, _, folder, run, _ = rerun
    count = len(_snapshot(folder))
    stdout = run(capsys, "--date", "2026-12-15")
    assert f"{count} giấy viết lại" in stdout
    run(capsys)
    for pdf in folder.glob("*.pdf"):
        assert "ngày 15 tháng 12 năm 2026" in PdfReader(pdf).pages[0].extract_text().lower()


def test_a_folder_without_its_manifest_is_still_understood(rerun):
    """Without the manifest (a folder from before it, or deleted), are the certificates still known and their dates kept?"""
    _, course, folder, _, _ = rerun
    (folder / MANIFEST).unlink()
    before = _snapshot(folder)
    result = write_certificates(Course(course), folder)
    assert _snapshot(folder) == before and len(result.unchanged) == len(before) and not result.new
    assert json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["certificates"]
