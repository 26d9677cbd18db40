"""The `canhgiac` command itself: Vietnamese help and errors, a closed pipe, `assign` run again, the generated config."""

import argparse
import subprocess

import pytest

from canhgiac.assign.config import CONFIG_FILE_TEXT
from canhgiac.certificates import CertificateSettings
from canhgiac.cli import build_parser, main
from canhgiac.course import Course
from canhgiac.tools import BIN

ENGLISH = ("usage:", "options:", "positional arguments", "show this help message", "error:", "required:")


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every parser of the command, with the words that reach it: (), ("report",), ("roster", "import")..."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def test_the_help_of_every_command_is_in_vietnamese():
    """Is the help of `canhgiac` and of each of its commands in Vietnamese, with a description line, and no argparse English?"""
    parsers = list(_parsers(build_parser()))
    assert len(parsers) > 8
    for path, parser in parsers:
        text = parser.format_help()
        assert text.startswith("cách dùng: canhgiac"), path
        assert "tùy chọn:" in text and "in hướng dẫn này rồi thoát" in text, path
        assert not [word for word in ENGLISH if word in text], (path, text)
        assert parser.description and parser.description[0].isupper(), (
            f"`canhgiac {' '.join(path)}` has no description"
        )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report"], "canhgiac report: lỗi: thiếu đối số bắt buộc: --out"),
        (["bao-cao"], "canhgiac: lỗi: đối số LỆNH: không có lựa chọn 'bao-cao'"),
        (["grade", "--jobs", "0"], "cần một số nguyên dương"),
        (["report", "--out", "x", "--thu"], "không hiểu các đối số: --thu"),
    ],
    ids=["missing", "unknown-command", "bad-value", "unknown-option"],
)
def test_usage_errors_are_in_vietnamese(capsys, argv, message):
    """Is a mistyped command line answered in Vietnamese, with its usage line, and exit status 2?"""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("cách dùng: ")
    assert not [word for word in ENGLISH if word in err], err


def test_argparse_is_left_as_it_was():
    """After the command has parsed, do other argparse parsers in the process still speak argparse's own words?"""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report"])
    assert argparse._("usage: ") == "usage: "
    assert argparse.ArgumentParser(prog="x").format_help().startswith("usage: x")


def test_bank_export_into_a_closed_pipe_ends_quietly():
    """`canhgiac bank export | head`: when the reader stops early, does the command end without a traceback?"""
    process = subprocess.Popen(
        [str(BIN / "canhgiac"), "bank", "export"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout.read(10).startswith(b"[")  # the export (>100 kB) fills the pipe and waits
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert err == "", err


def test_assign_again_says_what_it_changed_and_how_to_release_it(tmp_path, capsys):
    """Run again, does `canhgiac assign` say which notebooks changed, and give the generate command with --force?"""
    course = tmp_path / "khoa-hoc"
    assert main(["assign", "--course", str(course)]) == 0
    first = capsys.readouterr().out
    notebooks = sorted(course.glob("source/*/quiz.ipynb"))
    assert notebooks and f"Đã tạo {course / 'nbgrader_config.py'}" in first
    assert all(f"Đã tạo {path}" in first for path in notebooks)
    assert "nbgrader generate_assignment '*' --force" in first and "db_url" in first

    changed = notebooks[0]
    changed.write_text(
        changed.read_text(encoding="utf-8").replace("Bài kiểm tra", "Bài cũ"), encoding="utf-8"
    )
    assert main(["assign", "--course", str(course)]) == 0
    again = capsys.readouterr().out
    assert "Đã tạo" not in again and "db_url" not in again
    assert f"Đã cập nhật {changed}" in again
    assert all(f"Không đổi {path}" in again for path in notebooks[1:])
    assert "nbgrader generate_assignment '*' --force" in again


def test_the_generated_config_is_in_vietnamese_with_working_examples(tmp_path):
    """Is the generated nbgrader_config.py commented in Vietnamese, and does each commented example work once uncommented?"""
    assert (
        "configure(get_config(), __file__)  # noqa: F821 - nbgrader provides get_config\n" in CONFIG_FILE_TEXT
    )
    comments = [line for line in CONFIG_FILE_TEXT.splitlines() if line.startswith("#") and "noqa" not in line]
    assert "Cấu hình nbgrader của khóa học Cảnh giác" in comments[0]
    assert any("TRƯỚC lần chạy nbgrader generate_assignment đầu tiên" in line for line in comments)
    (tmp_path / "nbgrader_config.py").write_text(CONFIG_FILE_TEXT, encoding="utf-8")
    assert Course(tmp_path).rules.pass_mark == 0.8 and Course(tmp_path).db_url.startswith("sqlite:///")

    uncommented = "\n".join(
        line[2:] if line.startswith("# c.") else line for line in CONFIG_FILE_TEXT.splitlines()
    )
    (tmp_path / "nbgrader_config.py").write_text(uncommented, encoding="utf-8")
    course = Course(tmp_path)
    rules = course.rules
    assert (rules.pass_mark, rules.require_chapter_quizzes, rules.attempt) == (0.8, False, "latest")
    assert course.db_url.startswith("postgresql://")
    assert course.settings(CertificateSettings).place == "Đình Lập"
    assert course.config.CourseDirectory.course_id == "canhgiac"  # configure() still ran


def test_ctrl_c_stops_with_a_message_not_a_traceback(capsys, monkeypatch):
    """Does Ctrl+C end a command with a Vietnamese message, exit code 130 and no traceback?"""
    from canhgiac import cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_bank_check", interrupted)
    assert cli.main(["bank", "check"]) == 130
    err = capsys.readouterr().err
    assert "Chạy lại lệnh này" in err and "Traceback" not in err


def test_help_lists_each_kind_of_failure_with_its_exit_code():
    """Does `canhgiac --help` name every kind of failure (bad data, busy, tool, bug) with its own exit code?"""
    from canhgiac.errors import KINDS

    text = " ".join(build_parser().format_help().split())
    codes = [kind.exit_code for kind in KINDS]
    assert len(set(codes)) == len(codes) and len({kind.heading for kind in KINDS}) == len(KINDS)
    for kind in KINDS:
        assert f"{kind.exit_code} {kind.heading.split(' (')[0].lower()}" in text, kind


def test_grading_a_course_being_graded_says_it_is_busy(tmp_path, capsys):
    """Does `canhgiac grade` on a course another grader holds end with "Khóa học đang bận" and exit 3?"""
    import fcntl

    from canhgiac.grade.run import LOCK_FILE

    with open(tmp_path / LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["grade", "--course", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("Khóa học đang bận:") and "đang chạy" in err and "Traceback" not in err


def test_a_bug_is_reported_as_one(tmp_path, capsys, monkeypatch):
    """Does an unexpected exception end with the internal-error heading, its traceback and exit 70, not "Lỗi dữ liệu"?"""
    import canhgiac.report

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(canhgiac.report, "write_report", broken)
    assert main(["report", "--course", str(tmp_path), "--out", str(tmp_path / "out")]) == 70
    err = capsys.readouterr().err
    assert err.startswith("Lỗi nội bộ") and "ZeroDivisionError" in err and "Lỗi dữ liệu" not in err


def test_an_unreachable_gradebook_database_is_a_tool_failure(tmp_path, capsys):
    """Does a report on a course whose PostgreSQL does not answer end with "Công cụ không chạy được" and exit 4?"""
    # Port 1 on this machine: nothing listens there, so the connection is refused at once.
    (tmp_path / "nbgrader_config.py").write_text(
        'c.CourseDirectory.db_url = "postgresql://canbo@127.0.0.1:1/canhgiac"\n', encoding="utf-8"
    )
    assert main(["report", "--course", str(tmp_path), "--out", str(tmp_path / "out")]) == 4
    err = capsys.readouterr().err
    assert err.startswith("Công cụ không chạy được:") and "127.0.0.1" in err and "Traceback" not in err
