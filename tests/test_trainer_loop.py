"""The trainer's loop as a trainer found it (issue 16), through the real commands on a server set to UTC.

One course, the commands run by path with a bare PATH, TZ=UTC, and the course
folder given once, in CANHGIAC_COURSE (never --course):

- CB001 fails the final test in a notebook (saved 2026-12-01 08:41 +07:00 by
  the learner's clock) and passes it on the book page the next day; the
  trainer saves the notebook's attachment two days later.  The book page's
  attempt counts, and nothing is named as doubtful.
- CB002 sends an answers.json without the learner's time: its attempt is
  dated by the file, and collect, grade and the report say so.
- CB003 passes on the book page, graded; then the notebook saved before it
  arrives.  It is graded, named as late, and the book page's still counts.
- CB004's book page was saved at 2026-12-04T01:41:00Z: 08:41 +07:00.

Then: collect run again on the first mail folder, the report, the feedback
ready to send, and the certificates (refused without their settings, drafts,
then issued).
"""

import csv
import json
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from course_factory import NAMES, ROSTER, answers_for, book_file, copy_course
from pypdf import PdfReader

from canhgiac.certificates.wording import vietnamese_date
from canhgiac.quiz.answers import answers_text
from canhgiac.tools import BIN

VN = ZoneInfo("Asia/Ho_Chi_Minh")
# A server in UTC, with nothing activated: as a scheduled job on a province's server runs.
BARE = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8", "TZ": "UTC"}
NOTEBOOK_SAVED = datetime(2026, 12, 1, 8, 41, tzinfo=VN)  # the learner pressed "Lưu bài làm"
BOOK_SAVED = datetime(2026, 12, 2, 9, 15, tzinfo=VN)  # the resit on the book page, the next day
ATTACHMENT_SAVED = datetime(2026, 12, 3, 10, 0, tzinfo=VN)  # when the trainer saved the e-mail's attachment
FILE_ONLY = datetime(2026, 12, 3, 8, 41, tzinfo=VN)  # CB002's answers.json: only this file date
SETTINGS = (
    "\nc = get_config()  # noqa: F821\n"
    'c.CertificateSettings.issuer = "ỦY BAN NHÂN DÂN XÃ ĐÌNH LẬP"\n'
    'c.CertificateSettings.place = "Đình Lập"\n'
    'c.CertificateSettings.signer_title = "CHỦ TỊCH"\n'
)
AGENCY = {ident: agency for ident, _, agency, _ in ROSTER}


def canhgiac(*args: str, course: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """A `canhgiac` command by path on a UTC server; the course folder from CANHGIAC_COURSE only."""
    env = dict(BARE, CANHGIAC_COURSE=str(course)) if course else dict(BARE)
    return subprocess.run(
        [str(BIN / "canhgiac"), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=900
    )


def _notebook_folder(
    folder: Path, course: Path, quiz: str, plan: str, saved_at: datetime | None, mtime: datetime
):
    """The quiz folder a learner sends: the notebook and the answers its save button wrote."""
    folder.mkdir(parents=True)
    (folder / "quiz.ipynb").write_bytes((course / "release" / quiz / "quiz.ipynb").read_bytes())
    (folder / "answers.json").write_text(answers_text(answers_for(plan, quiz)[0], saved_at), encoding="utf-8")
    for path in folder.iterdir():
        os.utime(path, (mtime.timestamp(), mtime.timestamp()))


def _book(inbox: Path, learner: str, quiz: str, plan: str, saved_at: datetime) -> None:
    answers = answers_for(plan, quiz)[0]
    (inbox / f"{learner}_{quiz}.json").write_text(
        book_file(learner, quiz, answers, saved_at.astimezone(UTC).replace(tzinfo=None)), encoding="utf-8"
    )


@dataclass
class Loop:
    course: Path
    out: dict[str, subprocess.CompletedProcess]
    report: Path
    feedback: Path
    certificates: Path


@pytest.fixture(scope="module")
def loop(released_course, tmp_path_factory) -> Loop:
    base = tmp_path_factory.mktemp("loop")
    course = copy_course(released_course, base / "khoa-hoc")
    first, second = base / "thu-1", base / "thu-2"
    first.mkdir()
    second.mkdir()
    _notebook_folder(first / "CB001" / "final", course, "final", "none", NOTEBOOK_SAVED, ATTACHMENT_SAVED)
    _book(first, "CB001", "final", "all", BOOK_SAVED)
    _notebook_folder(first / "CB002 - final", course, "final", "all", None, FILE_ONLY)
    os.remove(first / "CB002 - final" / "quiz.ipynb")  # only answers.json, as some learners send
    _book(first, "CB003", "final", "all", BOOK_SAVED)
    _book(first, "CB004", "intro", "all", datetime(2026, 12, 4, 1, 41, tzinfo=UTC))
    _notebook_folder(second / "CB003" / "final", course, "final", "none", NOTEBOOK_SAVED, ATTACHMENT_SAVED)

    out = {}
    out["collect"] = canhgiac("collect", *sorted(str(p) for p in first.iterdir()), course=course, cwd=base)
    out["grade"] = canhgiac("grade", course=course, cwd=base)
    out["collect late"] = canhgiac("collect", str(second / "CB003"), course=course, cwd=base)
    out["grade late"] = canhgiac("grade", course=course, cwd=base)
    out["collect again"] = canhgiac(
        "collect", *sorted(str(p) for p in first.iterdir()), course=course, cwd=base
    )
    report, feedback, certificates = base / "bao-cao", base / "phan-hoi", base / "chung-nhan"
    out["report"] = canhgiac("report", "--out", str(report), course=course, cwd=base)
    out["feedback"] = canhgiac("feedback", "--out", str(feedback), course=course, cwd=base)
    out["certificates refused"] = canhgiac(
        "certificates", "--out", str(certificates), course=course, cwd=base
    )
    out["certificates refused, nothing written"] = certificates.exists()
    out["certificates draft"] = canhgiac("certificates", "--out", str(certificates), "--draft", course=course)
    out["draft texts"] = {p.stem: PdfReader(p).pages[0].extract_text() for p in certificates.glob("*.pdf")}
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8") + SETTINGS, encoding="utf-8")
    out["certificates"] = canhgiac("certificates", "--out", str(certificates), course=course, cwd=base)
    return Loop(course, out, report, feedback, certificates)


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _block(text: str, learner: str) -> str:
    """The lines of a collect summary about one learner's attempt (its line and the indented ones after)."""
    lines, keep = [], False
    for line in text.splitlines():
        if re.match(r"^  \S", line):
            keep = line.strip().startswith(learner)
        elif not line.startswith("      "):
            keep = False
        if keep:
            lines.append(line)
    return "\n".join(lines)


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


# ------------------------------------------------------------------ 1. which attempt is the latest


def test_a_resit_on_the_book_page_counts_over_a_notebook_saved_later(loop):
    """Failed in a notebook, passed on the book page the next day, the notebook's attachment saved after both:
    does the book page's attempt count, with nothing named as doubtful?"""
    collect = _ok(loop.out["collect"])
    cb001 = _block(collect, "CB001")
    assert "2026-12-01 08:41 +07:00" in cb001 and "2026-12-02 09:15 +07:00" in cb001
    assert "Lưu ý" not in cb001, cb001
    assert (
        "CB001" not in _ok(loop.out["grade"]).split("Lưu ý về thời điểm nộp bài")[-1].split("Cần xem lại")[0]
    )
    learners = {row["Mã"]: row for row in _csv(loop.report / "learners.csv")}
    assert learners["CB001"]["Đạt"] == "Có"
    assert "CB001" not in {row["Mã"] for row in _csv(loop.report / "time_notes.csv")}
    assert (loop.certificates / "CB001.pdf").exists()


def test_an_attempt_with_only_a_file_date_is_named_with_what_was_decided(loop):
    """Is CB002's answers.json without the learner's time named, with the learner, the file's date and the decision,
    by collect, grade and the report?"""
    cb002 = _block(_ok(loop.out["collect"]), "CB002")
    assert f"CB002 ({NAMES['CB002']})" in cb002
    assert "không ghi lúc học viên lưu bài" in cb002 and "2026-12-03 08:41 +07:00" in cb002
    assert "hiện là lần nộp sau cùng" in cb002
    grade = _ok(loop.out["grade"])
    named = [line for line in grade.splitlines() if line.strip().startswith(f"CB002 ({NAMES['CB002']})")]
    assert named and "xếp theo ngày của tệp nhận được, 2026-12-03 08:41 +07:00" in named[0]
    (row,) = [row for row in _csv(loop.report / "time_notes.csv") if row["Mã"] == "CB002"]
    assert row["Lưu lúc"] == "2026-12-03 08:41 +07:00" and "ngày của tệp" in row["Lưu ý"]
    assert row["Quyết định"] == "được tính"
    assert "Lưu ý về thời điểm nộp bài" in (loop.report / "report.html").read_text(encoding="utf-8")


def test_an_attempt_older_than_one_already_graded_is_named_and_does_not_count(loop):
    """The notebook CB003 saved before the book page, arriving after the book page was graded: is it named as
    late by collect, grade and the report, and does the book page's attempt still count?"""
    cb003 = _block(_ok(loop.out["collect late"]), "CB003")
    assert "sớm hơn lần nộp lúc 2026-12-02 09:15 +07:00 đã chấm" in cb003 and "vẫn được tính" in cb003
    grade = _ok(loop.out["grade late"])
    assert f"CB003 ({NAMES['CB003']})" in grade and "sớm hơn lần nộp lúc 2026-12-02 09:15 +07:00" in grade
    assert "Chấm lại" not in grade
    (row,) = [row for row in _csv(loop.report / "time_notes.csv") if row["Mã"] == "CB003"]
    assert row["Lưu lúc"] == "2026-12-01 08:41 +07:00" and "nhận sau khi đã chấm" in row["Lưu ý"]
    assert row["Quyết định"] == "không được tính: tính lần nộp lúc 2026-12-02 09:15 +07:00"
    assert {row["Mã"]: row for row in _csv(loop.report / "learners.csv")}["CB003"]["Đạt"] == "Có"


# ------------------------------------------------------------------ 2. the course folder, set once


def test_every_command_used_the_course_folder_of_canhgiac_course(loop):
    """Run with CANHGIAC_COURSE and never --course, did collect, grade, report, feedback and certificates work on it?"""
    for name in ("collect", "grade", "collect late", "grade late", "report", "feedback", "certificates"):
        _ok(loop.out[name])
    assert (loop.course / "submitted" / "CB004" / "intro").is_dir()


COMMANDS = [
    ["assign"],
    ["roster", "import", "danh-sach.csv"],
    ["collect", "thu"],
    ["grade"],
    ["report", "--out", "bao-cao"],
    ["feedback", "--out", "phan-hoi"],
    ["certificates", "--out", "chung-nhan"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_command_without_a_course_folder_says_how_to_give_one(args, tmp_path):
    """With neither --course nor CANHGIAC_COURSE, does each command say so and how, write nothing, exit 2?"""
    result = canhgiac(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Chưa cho biết thư mục khóa học" in result.stderr
    assert "--course" in result.stderr and "export CANHGIAC_COURSE=" in result.stderr
    assert "quizzes" not in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_course_wins_over_canhgiac_course_and_assign_uses_it(released_course, tmp_path):
    """Does --course win over CANHGIAC_COURSE, and does `canhgiac assign` create the course CANHGIAC_COURSE names?"""
    wrong = tmp_path / "khong-co"
    env = dict(BARE, CANHGIAC_COURSE=str(wrong))
    result = subprocess.run(
        [str(BIN / "canhgiac"), "report", "--course", str(released_course), "--out", str(tmp_path / "bc")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "bc" / "report.html").exists() and not wrong.exists()
    missing = subprocess.run(
        [str(BIN / "canhgiac"), "report", "--out", str(tmp_path / "bc")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "không tồn tại" in missing.stderr and str(wrong) in missing.stderr
    new = tmp_path / "khoa-moi"
    _ok(canhgiac("assign", course=new, cwd=tmp_path))
    assert (new / "nbgrader_config.py").is_file() and (new / "source" / "final" / "quiz.ipynb").is_file()


# ------------------------------------------------------------------ 3. certificates complete or not written


def test_certificates_are_refused_until_their_settings_are_set(loop):
    """Without issuer and place, does `canhgiac certificates` name each missing setting, how to set it, and write nothing?"""
    result = loop.out["certificates refused"]
    assert result.returncode == 2, result.stdout + result.stderr
    for line in (
        'c.CertificateSettings.issuer = "',
        'c.CertificateSettings.place = "',
        "nbgrader_config.py",
        "--draft",
    ):
        assert line in result.stderr
    assert "signer_title" not in result.stderr.split("Thêm vào")[0]  # it has a default, so it is not missing
    assert loop.out["certificates refused, nothing written"] is False


def test_draft_certificates_say_so_and_are_not_issued(loop):
    """Does --draft write each certificate marked "BẢN NHÁP", and does the real run replace them, dated today in Vietnam?"""
    assert "BẢN NHÁP" in _ok(loop.out["certificates draft"])
    drafts = loop.out["draft texts"]
    assert drafts and all("BẢN NHÁP" in text for text in drafts.values())
    _ok(loop.out["certificates"])
    today = datetime.now(VN).date()
    manifest = json.loads((loop.certificates / ".canhgiac-chung-nhan.json").read_text(encoding="utf-8"))
    for ident, entry in manifest["certificates"].items():
        assert "draft" not in entry and entry["issued"] == today.isoformat(), ident
        text = PdfReader(loop.certificates / f"{ident}.pdf").pages[0].extract_text()
        assert "BẢN NHÁP" not in text and f"Đình Lập, {vietnamese_date(today)}" in text
        assert "ỦY BAN NHÂN DÂN XÃ ĐÌNH LẬP" in text and "CHỦ TỊCH" in text
    assert set(manifest["certificates"]) == set(drafts)


# ------------------------------------------------------------------ 4. feedback ready to send


def test_feedback_is_named_for_each_learner_and_quiz_in_a_folder_per_agency(loop):
    """Does `canhgiac feedback` write <learner id>_<quiz>.html in a folder per agency, and the list of who gets what?"""
    stdout = _ok(loop.out["feedback"])
    expected = {("CB001", "final"), ("CB002", "final"), ("CB003", "final"), ("CB004", "intro")}
    pages = {p.relative_to(loop.feedback).as_posix() for p in loop.feedback.rglob("*.html")}
    assert pages == {f"{AGENCY[lr]}/{lr}_{quiz}.html" for lr, quiz in expected}
    rows = _csv(loop.feedback / "danh-sach-gui.csv")
    assert {(r["Mã học viên"], r["Bài"]) for r in rows} == expected
    for row in rows:
        assert row["Họ và tên"] == NAMES[row["Mã học viên"]] and row["Cơ quan"] == AGENCY[row["Mã học viên"]]
        assert row["Tệp"] == f"{row['Cơ quan']}/{row['Mã học viên']}_{row['Bài']}.html"
        assert "Thư điện tử" in row
    assert "4 trang phản hồi" in stdout and "chưa có địa chỉ thư điện tử" in stdout


def test_feedback_pages_ask_nothing_of_another_host(loop):
    """Is each feedback page one file: no script, style, image or font loaded from anywhere?"""
    for page in loop.feedback.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "Điểm" in html or "điểm" in html
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I), page
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//|@import", html, re.I), page


# ------------------------------------------------------------------ 5. quiet, Vietnamese output


def test_grade_and_feedback_show_no_nbgrader_log(loop):
    """Do grade and feedback keep nbgrader's English log and harmless warnings to themselves?"""
    for name in ("grade", "grade late", "feedback"):
        text = loop.out[name].stdout + loop.out[name].stderr
        for english in ("[AutogradeApp", "[GenerateFeedbackApp", "INFO", "WARNING", "display_data_priority"):
            assert english not in text, (name, english, text)


def test_verbose_shows_nbgraders_log(loop, tmp_path):
    """With --verbose, does `canhgiac feedback` show nbgrader's own log?"""
    result = canhgiac("feedback", "--out", str(tmp_path / "ph"), "--verbose", course=loop.course)
    _ok(result)
    assert "GenerateFeedbackApp" in result.stderr


# ------------------------------------------------------------------ 6. re-running collect


def test_collect_run_again_counts_what_it_had_in_one_line(loop):
    """Run again on the same mail folder, does collect say nothing is new and count the files it had, listing none?"""
    text = _ok(loop.out["collect again"])
    lines = text.splitlines()
    assert lines[0] == "Không có bài nộp mới."
    assert "Đã bỏ qua 6 tệp đã nhận trước đó" in text
    assert not any(line.startswith("  ") for line in lines), text


def test_collect_shows_what_is_new_and_refused_before_what_it_had(loop, tmp_path):
    """With a new file, a broken one and old ones, are the new and the refused listed before the count of old ones?"""
    inbox = tmp_path / "thu"
    inbox.mkdir()
    _book(inbox, "CB005", "intro", "all", BOOK_SAVED)
    (inbox / "CB006_intro.json").write_text('{"learner": "CB006", "assignment": "in', encoding="utf-8")
    old = loop.course.parent / "thu-1" / "CB004_intro.json"
    course = copy_course(loop.course, tmp_path / "khoa-hoc")
    text = _ok(
        canhgiac(
            "collect",
            str(inbox / "CB005_intro.json"),
            str(inbox / "CB006_intro.json"),
            str(old),
            course=course,
        )
    )
    new, refused, known = (
        text.index(s) for s in ("Đã nhận 1 bài nộp mới", "Không nhận 1 tệp", "Đã bỏ qua 1 tệp")
    )
    assert new < refused < known
    # A truncated download is called incomplete, not tampered with.
    assert "chưa hết" in text and "bị sửa" not in text


# ------------------------------------------------------------------ 7. times in the course's time zone


def test_times_are_shown_in_the_courses_zone_on_a_utc_server(loop):
    """On a server set to UTC, is a book page saved at 01:41Z shown as 08:41 +07:00 by collect?"""
    cb004 = _block(_ok(loop.out["collect"]), "CB004")
    assert "lưu lúc 2026-12-04 08:41 +07:00" in cb004
    assert "01:41" not in cb004


def test_a_time_zone_set_by_the_course_is_used_and_a_wrong_one_named(released_course, tmp_path):
    """Does c.CourseRules.time_zone change the times shown, and is an unknown zone a clear error?"""
    course = copy_course(released_course, tmp_path / "khoa-hoc")
    inbox = tmp_path / "thu"
    inbox.mkdir()
    _book(inbox, "CB004", "intro", "all", datetime(2026, 12, 4, 1, 41, tzinfo=UTC))
    config = course / "nbgrader_config.py"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text + '\nc = get_config()  # noqa: F821\nc.CourseRules.time_zone = "Asia/Tokyo"\n', encoding="utf-8"
    )
    assert "lưu lúc 2026-12-04 10:41 +09:00" in _ok(canhgiac("collect", str(inbox), course=course))
    config.write_text(
        text + '\nc = get_config()  # noqa: F821\nc.CourseRules.time_zone = "Gio Ha Noi"\n', encoding="utf-8"
    )
    wrong = canhgiac("report", "--out", str(tmp_path / "bc"), course=course)
    assert wrong.returncode == 2 and "time_zone" in wrong.stderr and "Asia/Ho_Chi_Minh" in wrong.stderr
