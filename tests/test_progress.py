"""Grading's progress bar (tqdm): rate and time left in Vietnamese, a plain line per tenth in a log file."""

import io

from canhgiac.grade.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_file_gets_one_plain_line_per_tenth_with_rate_and_time_left():
    """Does a run of 40 written to a file log 11 lines (0%, 10% ... 100%), each with count, rate, time left and failures?"""
    log = io.StringIO()
    progress = Progress(40, log)
    for done in range(41):
        progress.update(done, failed=done // 20)
    progress.finish()
    lines = log.getvalue().splitlines()
    assert len(lines) == 11 and "\r" not in log.getvalue()
    assert lines[0].startswith("Chấm bài [") and "0/40 bài" in lines[0]
    assert lines[-1].startswith("Chấm bài [" + "#" * 30 + "]") and "40/40 bài" in lines[-1]
    assert all("đã chạy" in line and "còn khoảng" in line for line in lines)
    assert all("bài/s" in line or "s/bài" in line for line in lines)  # the rate, either way up
    assert lines[-1].endswith(", 2 lỗi") and "lỗi" not in lines[0]


def test_a_terminal_gets_the_bar_redrawn_in_place():
    """Is the bar on a terminal redrawn in place (carriage returns), ending on one finished line?"""
    screen = Terminal()
    progress = Progress(5, screen)
    for done in range(6):
        progress.update(done)
    progress.finish()
    text = screen.getvalue()
    assert text.count("\r") >= 5 and text.endswith("\n") and text.count("\n") == 1
    assert "5/5 bài" in text.rsplit("\r", 1)[-1]
