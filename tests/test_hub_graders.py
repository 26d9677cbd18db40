"""Continuous graders sharing one PostgreSQL gradebook, started separately as on two machines.

Attempts arrive as the course service lands them (collect's landing, then a
grading request in the queue); two `canhgiac hub graders` processes take them
from the queue in the database.  One is killed with SIGKILL in the middle of a
job: its lease runs out and the other grades that attempt again.
"""

import json
import os
import shutil
import signal
import subprocess
import time
from datetime import datetime, timedelta

import pytest
from course_factory import ROSTER, answers_for, book_file, run
from sqlalchemy import create_engine, func, select

from canhgiac.collect import Received, collect_received
from canhgiac.course import Course
from canhgiac.course import queue as work
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.tools import BIN, tool_env

LEARNERS = [ident for ident, *_ in ROSTER[:6]]


@pytest.fixture(scope="module")
def course(released_course, postgres_server, tmp_path_factory):
    """The released test course on its own PostgreSQL database, with one `intro` attempt per learner waiting."""
    folder = tmp_path_factory.mktemp("graders") / "course"
    shutil.copytree(
        released_course, folder, ignore=shutil.ignore_patterns("gradebook.db", "submitted", "autograded")
    )
    url = postgres_server.create_database("gb_graders")
    config = folder / "nbgrader_config.py"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\nc = get_config()  # noqa: F821\nc.CourseDirectory.db_url = "{url}"\n',
        encoding="utf-8",
    )
    for quiz in ("intro", "final"):
        run("nbgrader", "generate_assignment", quiz, "--force", cwd=folder)
    run(
        "canhgiac", "roster", "import", str(released_course.parent / "danh-sach.csv"), "--course", str(folder)
    )
    course = Course(folder)
    engine = create_engine(course.db_url)
    start = datetime(2026, 12, 1, 8, 0)
    for number, learner in enumerate(LEARNERS):
        answers, _ = answers_for("partly" if number % 2 else "all", "intro")
        data = book_file(learner, "intro", answers, start + timedelta(minutes=number)).encode()
        item = Received(f"test:{learner}", (f"{learner}_intro",), f"test:{learner}", ".json", data, start)
        assert collect_received(course, [item]).collected
        work.request_grading(engine, learner, "intro")
    engine.dispose()
    return course


def start_grader(course: Course, log) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(BIN / "canhgiac"),
            "hub",
            "graders",
            "--course",
            str(course.root),
            "--jobs",
            "1",
            "--lease",
            "6",
            "--poll",
            "0.3",
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=tool_env(),
        cwd=course.root,
        start_new_session=True,
    )


def log_lines(log) -> list[dict]:
    lines = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_two_graders_grade_every_attempt_once_and_a_killed_one_loses_nothing(course, tmp_path):
    """Started separately on one PostgreSQL gradebook, with one grader killed (SIGKILL) while it
    grades, is every attempt graded and recorded exactly once, with the score it deserves?"""
    logs = [tmp_path / "grader-a.log", tmp_path / "grader-b.log"]
    first = start_grader(course, logs[0])
    # The first grader must be in the middle of a job when it is killed.
    deadline = time.monotonic() + 120
    while not any("claimed" in line for line in log_lines(logs[0])):
        assert time.monotonic() < deadline and first.poll() is None, logs[0].read_text()
        time.sleep(0.2)
    second = start_grader(course, logs[1])
    claimed = next(line["claimed"] for line in log_lines(logs[0]) if "claimed" in line)
    time.sleep(1.0)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    killed_graded = [line for line in log_lines(logs[0]) if "graded" in line]
    engine = create_engine(course.db_url)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                done = conn.execute(
                    select(func.count())
                    .select_from(work.queue)
                    .where(
                        work.queue.c.done_at == work.queue.c.requested_at, work.queue.c.claimed_by.is_(None)
                    )
                ).scalar()
            if done >= len(LEARNERS):
                break  # every request finished: graded, recorded, logged
            assert second.poll() is None, logs[1].read_text()
            time.sleep(1)
        time.sleep(2)  # anything graded twice would show now
        with engine.connect() as conn:
            rows = conn.execute(
                select(attempt_table.c.learner_id, attempt_table.c.assignment, attempt_table.c.score)
            ).all()
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(180)
    with engine.connect() as conn:
        queue = conn.execute(select(work.queue)).all()
    engine.dispose()
    assert sorted(learner for learner, _, _ in rows) == sorted(LEARNERS), logs[1].read_text()[-3000:]
    for number, learner in enumerate(LEARNERS):
        _, deserved = answers_for("partly" if number % 2 else "all", "intro")
        assert [score for who, _, score in rows if who == learner] == [sum(deserved.values())]
    survivors = [line for line in log_lines(logs[1]) if "graded" in line]
    graded_keys = [line["graded"] for line in killed_graded + survivors]
    assert sorted(graded_keys) == sorted(LEARNERS), "an attempt graded twice or never"
    assert any(f"{line['graded']}/intro" in claimed for line in survivors), (
        "the killed grader's job was not retaken"
    )
    # Every request done, and no claim left behind by the grader that stopped on Ctrl+C.
    assert len(queue) == len(LEARNERS)
    assert all(row.claimed_by is None and row.done_at == row.requested_at for row in queue)


def test_on_postgresql_a_request_wakes_a_waiting_grader_at_once(course, tmp_path):
    """On PostgreSQL, does a grading request wake a grader that would otherwise look for work only
    every 60 s (LISTEN/NOTIFY), so the attempt is graded within seconds?"""
    import urllib.error
    import urllib.request

    log = tmp_path / "grader.log"
    grader = subprocess.Popen(
        [
            str(BIN / "canhgiac"),
            *("hub", "graders", "--course", str(course.root), "--jobs", "1", "--poll", "60"),
            *("--health-port", "0", "--health-host", "127.0.0.1"),
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=tool_env(),
        cwd=course.root,
        start_new_session=True,
    )

    def healthy() -> bool:
        port = next((line["health"] for line in log_lines(log) if "health" in line), None)
        if port is None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    engine = create_engine(course.db_url)
    try:
        deadline = time.monotonic() + 180
        while not healthy():
            assert time.monotonic() < deadline and grader.poll() is None, log.read_text()
            time.sleep(0.3)
        time.sleep(2)  # past its first look at the queue: now it waits up to 60 s
        learner = ROSTER[6][0]
        answers, deserved = answers_for("all", "final")
        moment = datetime(2026, 12, 1, 9, 0)
        data = book_file(learner, "final", answers, moment).encode()
        item = Received(f"test:{learner}", (f"{learner}_final",), f"test:{learner}", ".json", data, moment)
        assert collect_received(course, [item]).collected
        asked = time.monotonic()
        work.request_grading(engine, learner, "final")
        while True:
            with engine.connect() as conn:
                score = conn.execute(
                    select(attempt_table.c.score).where(
                        attempt_table.c.learner_id == learner, attempt_table.c.assignment == "final"
                    )
                ).scalar()
            if score is not None:
                break
            assert time.monotonic() - asked < 40, "not woken up: " + log.read_text()[-2000:]
            time.sleep(0.2)
        assert score == sum(deserved.values())
    finally:
        grader.send_signal(signal.SIGINT)
        grader.wait(180)
        engine.dispose()
