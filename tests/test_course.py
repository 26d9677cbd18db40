"""The course folder: a mistake in its nbgrader_config.py, a mistyped --course and `~` in paths, as a trainer makes them."""

from pathlib import Path

import pytest

from canhgiac.certificates import CertificateSettings
from canhgiac.cli import main
from canhgiac.course import Course, CourseConfigError, CourseNotFound, resolve_course
from canhgiac.datafile import DataError
from canhgiac.report import ReportSettings

CONFIG = "nbgrader_config.py"
HEADER = "from canhgiac.assign.config import configure\n\nconfigure(get_config(), __file__)  # noqa: F821\n"


def course_with(tmp_path: Path, *lines: str) -> Course:
    """A course folder whose nbgrader_config.py is the generated one with `lines` added, as a trainer edits it."""
    folder = tmp_path / "khoa-hoc"
    folder.mkdir(exist_ok=True)
    (folder / CONFIG).write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return Course(folder)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "c.CourseRules.pass_mark = 0,8",
            ["c.CourseRules.pass_mark = (0, 8)", "từ 0 đến 1, ví dụ 0.8", "đã viết 0,8", "0.8."],
        ),
        ("c.CourseRules.pass_mark = 80", ["pass_mark phải là số từ 0 đến 1, ví dụ 0.8", "80% viết là 0.8"]),
        ('c.CourseRules.pass_mark = "0.8"', ["pass_mark phải là số", "không có dấu ngoặc kép"]),
        ('c.CourseRules.attempt = "moi-nhat"', ['c.CourseRules.attempt = "moi-nhat"', '"latest", "best"']),
        ('c.CourseRules.require_chapter_quizzes = "Có"', ["phải là True hoặc False"]),
        ("c.CourseRules.passmark = 0.8", ["c.CourseRules.passmark: không có thiết lập này", "pass_mark"]),
        (
            "c.CourseRules.attempt = best",
            ["dòng 4: c.CourseRules.attempt = best", "không hiểu từ `best`", '"best"'],
        ),
        ('c.CourseRules.attempt = "best', ["dòng 4", "câu lệnh viết sai", "dấu ngoặc kép"]),
        ("c.CourseRules.pass_mark = 1 / 0", ["dòng 4", "ZeroDivisionError"]),
        ("c.CourseDirectory.db_url = 5", ["db_url phải là một chuỗi chữ", "postgresql://"]),
    ],
    ids=[
        "comma",
        "percent",
        "quoted-number",
        "unknown-choice",
        "bool",
        "typo",
        "no-quotes",
        "syntax",
        "other",
        "db-url",
    ],
)
def test_a_mistake_in_the_config_file_is_named_in_vietnamese(tmp_path, line, expected):
    """Does each usual mistake in nbgrader_config.py give a DataError naming the file, the setting and what is allowed?"""
    course = course_with(tmp_path, line)
    with pytest.raises(CourseConfigError) as error:
        course.rules, course.db_url  # noqa: B018 - reading them is the test
    message = str(error.value)
    assert str(course.root / CONFIG) in message
    for part in expected:
        assert part in message, (part, message)
    assert "Traceback" not in message


def test_every_setting_in_error_is_listed_at_once(tmp_path):
    """With two settings wrong, are both named in one message, so that one edit fixes the file?"""
    course = course_with(tmp_path, "c.CourseRules.pass_mark = 80", 'c.CourseRules.attempt = "moi-nhat"')
    with pytest.raises(CourseConfigError, match=r"pass_mark = 80:.*\n.*attempt = \"moi-nhat\""):
        course.rules  # noqa: B018


def test_report_and_certificate_settings_are_checked_too(tmp_path):
    """Are a report threshold out of range and a certificate setting that is not text DataErrors too?"""
    course = course_with(tmp_path, "c.ReportSettings.easy_above = 0,9", "c.CertificateSettings.place = 5")
    with pytest.raises(CourseConfigError, match=r"easy_above = \(0, 9\): easy_above phải là số từ 0 đến 100"):
        course.settings(ReportSettings)
    with pytest.raises(CourseConfigError, match="place phải là một chuỗi chữ"):
        course.settings(CertificateSettings)


def test_good_settings_are_read(tmp_path):
    """Are well-written settings read, with the defaults for the others?"""
    course = course_with(tmp_path, "c.CourseRules.pass_mark = 0.75", 'c.CourseRules.attempt = "best"')
    assert (course.rules.pass_mark, course.rules.attempt, course.rules.require_chapter_quizzes) == (
        0.75,
        "best",
        False,
    )
    assert course.settings(ReportSettings).easy_above == 90


@pytest.mark.parametrize("command", ["report", "certificates"])
def test_a_config_mistake_ends_a_command_with_lỗi_dữ_liệu(tmp_path, capsys, command):
    """Does `canhgiac report` or `certificates` on a course with `pass_mark = 0,8` exit 2 with "Lỗi dữ liệu", no traceback?"""
    course = course_with(tmp_path, "c.CourseRules.pass_mark = 0,8")
    assert main([command, "--course", str(course.root), "--out", str(tmp_path / "ra")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi dữ liệu:") and "pass_mark" in err and "Traceback" not in err
    assert not (tmp_path / "ra").exists()


@pytest.mark.parametrize("command", ["report", "certificates"])
def test_a_mistyped_course_folder_is_an_error(tmp_path, capsys, command):
    """Does `canhgiac report` or `certificates` with a --course that does not exist exit 2, naming it, writing nothing?"""
    missing = tmp_path / "khoa-hoc-2062"
    assert main([command, "--course", str(missing), "--out", str(tmp_path / "ra")]) == 2
    err = capsys.readouterr().err
    assert "Lỗi dữ liệu" in err and str(missing) in err and "không có" in err
    assert not (tmp_path / "ra").exists() and not missing.exists()


def test_only_a_folder_is_a_course(tmp_path):
    """Is a --course naming a file refused too, and an existing folder accepted?"""
    (tmp_path / "tep").write_text("", encoding="utf-8")
    with pytest.raises(CourseNotFound, match="không phải là thư mục"):
        Course(tmp_path / "tep").require_exists()
    assert Course(tmp_path).require_exists().root == tmp_path.resolve()
    assert issubclass(CourseNotFound, DataError)


def test_a_course_path_may_start_with_the_home_folder(tmp_path, monkeypatch):
    """Is `~/khoa-hoc` the folder in the user's home, as the shell would read it, for --course and for Course?"""
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_course("~/khoa-hoc").root == tmp_path.resolve() / "khoa-hoc"
    assert Course(Path("~/khoa-hoc")).root == tmp_path.resolve() / "khoa-hoc"
