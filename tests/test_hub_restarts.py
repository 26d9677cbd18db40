"""`canhgiac hub run` as a supervisor (canhgiac.hub.run.Parts): a part that ends by itself is started
again after a pause that doubles, and one that keeps ending stops everything."""

import sys
import time

from canhgiac.hub import run
from canhgiac.hub.run import Parts, exit_status, part_name

ENDS_AT_ONCE = [sys.executable, "-c", "import sys; sys.exit(3)", "hub", "graders"]


def wait_ended(parts: Parts, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while (ended := parts.ended()) is None:
        assert time.monotonic() < deadline, "the part did not end"
        time.sleep(0.05)
    return ended


def test_a_part_that_keeps_ending_is_restarted_with_doubling_pauses_then_given_up(monkeypatch):
    """Is a grader that ends started again after 1, 2, 4, 8, 16 pauses (here hundredths of a second),
    said to have ended with its exit code, and after the fifth restart in the window no longer restarted?"""
    monkeypatch.setattr(run, "RESTART_PAUSE_SECONDS", 0.01)
    parts = Parts()
    parts._launch(ENDS_AT_ONCE)
    pauses = []
    while True:
        ended = wait_ended(parts)
        assert part_name(ended.args) == "Tiến trình chấm bài (canhgiac hub graders)"
        assert exit_status(ended.returncode) == "mã thoát 3"
        pause = parts.restart(ended)
        if pause is None:
            break
        pauses.append(pause)
        assert parts.ended() is None and parts.all == []  # nothing runs during the pause
        deadline = time.monotonic() + 5
        while not parts.all:
            parts.start_due()
            assert time.monotonic() < deadline
    assert pauses == [0.01, 0.02, 0.04, 0.08, 0.16]
    assert parts.all == [] and parts.due == []


def test_the_hub_itself_is_never_restarted():
    """Does the hub's own ending stop everything rather than start it again?"""
    parts = Parts()
    parts.hub = run.subprocess.Popen([sys.executable, "-c", "pass"])
    assert wait_ended(parts) is parts.hub
    assert parts.restart(parts.hub) is None
