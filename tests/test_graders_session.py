"""Continuous grading kept fast and safe: one long grading session per hosted grader, batch grading beside it.

On a SQLite course (the embedded default): a `canhgiac hub graders` process
keeps its nbgrader workers between claims, replaces one that dies, goes on
after a submission it cannot grade, writes only the certificate of the learner
who passed, and answers /health.  A batch `canhgiac grade` leaves alone the
learners' quizzes a hosted grader holds.  (Two graders on one PostgreSQL
gradebook, one killed: tests/test_hub_graders.py.)
"""

import json
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

import psutil
import pytest
from course_factory import answers_for, book_file, copy_course, run, set_up_certificates
from sqlalchemy import create_engine, select

from canhgiac.collect import Received, collect_received
from canhgiac.course import Course
from canhgiac.course import queue as work
from canhgiac.course.attempts import format_timestamp
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.tools import BIN, tool_env

START = datetime(2026, 12, 2, 8, 0)


def hand_in(course: Course, engine, learner: str, quiz: str, plan: str, minutes: int) -> float:
    """Land a book page's file as the course service does, and ask for its grading; its deserved score."""
    answers, deserved = answers_for(plan, quiz)
    data = book_file(learner, quiz, answers, START + timedelta(minutes=minutes)).encode()
    item = Received(
        f"test:{learner}:{minutes}", (f"{learner}_{quiz}",), f"test:{minutes}", ".json", data, START
    )
    assert collect_received(course, [item]).collected
    work.request_grading(engine, learner, quiz)
    return sum(deserved.values())


def scores(engine) -> dict[tuple[str, str], list[float]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(attempt_table.c.learner_id, attempt_table.c.assignment, attempt_table.c.score).order_by(
                attempt_table.c.submitted_at
            )
        ).all()
    found: dict[tuple[str, str], list[float]] = {}
    for learner, quiz, score in rows:
        found.setdefault((learner, quiz), []).append(score)
    return found


def wait_for(what, timeout: float = 180, message=lambda: ""):
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        assert time.monotonic() < deadline, message()
        time.sleep(0.2)


def log_lines(log) -> list[dict]:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def workers_of(process: subprocess.Popen) -> set[int]:
    children = psutil.Process(process.pid).children(recursive=True)
    return {c.pid for c in children if "canhgiac.grade.worker" in " ".join(c.cmdline())}


@pytest.fixture
def course(released_course, tmp_path) -> Course:
    folder = copy_course(released_course, tmp_path / "course")
    set_up_certificates(folder)
    return Course(folder)


def test_a_hosted_grader_keeps_its_workers_replaces_a_dead_one_and_writes_one_certificate(course, tmp_path):
    """Does one hosted grader grade claim after claim with the same nbgrader worker, answer /health (503
    until its workers are ready, then 200), replace a worker killed with SIGKILL, go on after a
    submission it cannot grade, and write the certificate of the learner who passed the final only?"""
    engine = create_engine(course.db_url)
    log = tmp_path / "grader.log"
    grader = subprocess.Popen(
        [
            str(BIN / "canhgiac"),
            *("hub", "graders", "--course", str(course.root), "--jobs", "1", "--poll", "0.2"),
            *("--health-port", "0", "--health-host", "127.0.0.1"),
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=tool_env(),
        cwd=course.root,
        start_new_session=True,
    )
    try:
        port = wait_for(
            lambda: next((line["health"] for line in log_lines(log) if "health" in line), None),
            60,
            log.read_text,
        )
        first_answer = health(port)
        wait_for(lambda: health(port) == 200, 180, log.read_text)
        assert first_answer == 503, "healthy before any nbgrader worker was ready"

        deserved = {("CB001", "intro"): hand_in(course, engine, "CB001", "intro", "all", 0)}
        wait_for(lambda: ("CB001", "intro") in scores(engine), 120, log.read_text)
        before = workers_of(grader)
        deserved[("CB002", "intro")] = hand_in(course, engine, "CB002", "intro", "partly", 1)
        wait_for(lambda: ("CB002", "intro") in scores(engine), 120, log.read_text)
        assert workers_of(grader) == before and len(before) == 1, "a new nbgrader worker for each claim"
        # Below the hub and the course service (`--nice`, 10 by default), workers and kernels with it.
        assert psutil.Process(grader.pid).nice() == 10
        assert {psutil.Process(pid).nice() for pid in before} == {10}

        # A submission that cannot be graded (a quiz never released), then the worker killed.
        bad = course.root / "submitted" / "CB004" / "chua-phat"
        bad.mkdir(parents=True)
        (bad / "timestamp.txt").write_text(format_timestamp(START), encoding="utf-8")
        work.request_grading(engine, "CB004", "chua-phat")
        wait_for(lambda: any(line.get("failed") == "CB004" for line in log_lines(log)), 60, log.read_text)
        psutil.Process(next(iter(before))).kill()
        after = wait_for(lambda: (w := workers_of(grader)) and not (w & before) and w, 120, log.read_text)
        assert len(after) == 1

        deserved[("CB003", "final")] = hand_in(course, engine, "CB003", "final", "all", 2)
        deserved[("CB005", "final")] = hand_in(course, engine, "CB005", "final", "none", 3)
        wait_for(lambda: {("CB003", "final"), ("CB005", "final")} <= set(scores(engine)), 180, log.read_text)
        assert health(port) == 200
        assert grader.poll() is None
    finally:
        grader.send_signal(signal.SIGINT)
        grader.wait(120)
    assert scores(engine) == {key: [score] for key, score in deserved.items()}
    with engine.connect() as conn:
        queue = conn.execute(select(work.queue)).all()
        failures = conn.execute(select(work.failure)).all()
    engine.dispose()
    assert [(f.learner_id, f.assignment) for f in failures] == [("CB004", "chua-phat")]
    assert all(row.claimed_by is None and row.done_at == row.requested_at for row in queue)
    folder = course.root / "hub" / "chung-nhan"
    assert sorted(p.name for p in folder.iterdir()) == ["CB003.pdf"], "only the learner who passed"
    assert not [pid for pid in after if running(pid)], "a worker left running after Ctrl+C"


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_batch_grade_leaves_alone_what_a_hosted_grader_holds(course):
    """While a hosted grader holds one learner's quiz, does `canhgiac grade` grade the others, leave
    that one to its holder with a Vietnamese note, and grade it once the lease is let go?"""
    engine = create_engine(course.db_url)
    deserved = {
        ("CB001", "intro"): hand_in(course, engine, "CB001", "intro", "all", 0),
        ("CB002", "intro"): hand_in(course, engine, "CB002", "intro", "partly", 1),
    }
    held = work.claim(engine, "may-khac:4242", timedelta(minutes=5), 1)
    assert [(c.learner, c.assignment) for c in held] == [("CB001", "intro")]

    first = run("canhgiac", "grade", "--jobs", "1", "--course", str(course.root))
    assert "Để lại cho bộ chấm trực tuyến" in first.stdout and "CB001" in first.stdout, first.stdout
    assert scores(engine) == {("CB002", "intro"): [deserved[("CB002", "intro")]]}
    with engine.connect() as conn:
        rows = {(r.learner_id, r.assignment): r for r in conn.execute(select(work.queue))}
    assert rows[("CB001", "intro")].claimed_by == "may-khac:4242", "the batch took a lease it did not own"
    assert rows[("CB002", "intro")].claimed_by is None
    assert rows[("CB002", "intro")].done_at == rows[("CB002", "intro")].requested_at

    work.release_all(engine, "may-khac:4242")  # the hosted grader stopped without grading it
    second = run("canhgiac", "grade", "--jobs", "1", "--course", str(course.root))
    assert "Để lại" not in second.stdout, second.stdout
    assert scores(engine) == {key: [score] for key, score in deserved.items()}
    engine.dispose()


def test_one_learners_certificate_is_the_one_the_course_command_writes(course, tmp_path):
    """Is the certificate written for one learner (the hosted graders' way) the same file, with the same
    date, as `canhgiac certificates` writes, and does it touch no other learner's file?"""
    from canhgiac.certificates import write_certificate

    engine = create_engine(course.db_url)
    hand_in(course, engine, "CB001", "final", "all", 0)
    hand_in(course, engine, "CB002", "final", "all", 1)
    hand_in(course, engine, "CB006", "final", "none", 2)
    engine.dispose()
    run("canhgiac", "grade", "--jobs", "2", "--course", str(course.root))
    out = tmp_path / "chung-nhan"
    assert write_certificate(course, out, "CB001").change == "new"
    assert write_certificate(course, out, "CB006").change == "none"
    assert sorted(p.name for p in out.iterdir()) == ["CB001.pdf"]
    one = (out / "CB001.pdf").read_bytes()

    whole = tmp_path / "ca-khoa"
    run("canhgiac", "certificates", "--out", str(whole), "--course", str(course.root))
    assert (whole / "CB001.pdf").read_bytes() == one
    shutil.copy(whole / "CB002.pdf", out / "CB002.pdf")
    stamp = (out / "CB002.pdf").stat().st_mtime_ns
    assert write_certificate(course, out, "CB001").change == "unchanged"
    assert (out / "CB002.pdf").stat().st_mtime_ns == stamp


def test_a_claim_reads_only_the_claimed_quiz(course, monkeypatch):
    """Does loading a claimed learner's quiz into a grading session read that quiz only, never a scan
    of the whole course folder (so a claim costs the same in a course of any size)?"""
    from canhgiac.grade import plan
    from canhgiac.grade import run as grade_run
    from canhgiac.grade.run import GradingSession
    from canhgiac.grade.settings import GradeSettings

    engine = create_engine(course.db_url)
    for number, learner in enumerate(("CB001", "CB002", "CB003")):
        hand_in(course, engine, learner, "intro", "all", number)
    engine.dispose()

    def whole_course(*_):
        raise AssertionError("the whole course folder was scanned for one claim")

    monkeypatch.setattr(plan, "learners_and_assignments", whole_course)
    monkeypatch.setattr(grade_run, "learners_and_assignments", whole_course)
    with course.gradebook() as gradebook:
        session = GradingSession(course, gradebook, course.settings(GradeSettings))
        session.load([("CB002", "intro")])
        assert session.add([("CB002", "intro")]) == 1
        assert list(session.ready) == [("CB002", "intro")]
        session.close()


def test_a_killed_batch_leaves_its_quizzes_to_the_hosted_graders(course):
    """If a batch `canhgiac grade` is killed while it holds leases, do the hosted graders claim those
    quizzes once the leases run out, even one whose earlier request had been graded already, and
    does a live lease of a hosted grader keep the batch off?"""
    from canhgiac.course.tables import open_engine
    from canhgiac.grade.run import BATCH_HOLDER

    engine = open_engine(course.db_url)  # with the queue's tables
    work.request_grading(engine, "CB001", "intro")
    (earlier,) = work.claim(engine, "may-a:1", timedelta(minutes=5), 5)
    assert work.finish(engine, "may-a:1", earlier)  # asked for and done: not wanted any more
    work.request_grading(engine, "CB003", "intro")
    assert work.claim(engine, "may-a:1", timedelta(minutes=5), 5)[0].learner == "CB003"

    keys = [("CB001", "intro"), ("CB002", "intro"), ("CB003", "intro")]
    batch = f"{BATCH_HOLDER}may-b:2"
    held, busy = work.hold(engine, batch, keys, timedelta(seconds=1))
    assert sorted((c.learner, c.assignment) for c in held) == keys[:2]
    assert busy == [("CB003", "intro")]
    assert work.claim(engine, "may-a:1", timedelta(minutes=5), 5) == [], "claimed under a live batch lease"
    # The batch is killed here: nothing finished, nothing released.  Its leases run out.
    time.sleep(1.5)
    taken = work.claim(engine, "may-a:1", timedelta(minutes=5), 5)
    assert sorted((c.learner, c.assignment) for c in taken) == keys[:2]
    # A later batch takes over a dead batch's leases at once (it holds the course's lock file).
    work.release_all(engine, "may-a:1")
    work.hold(engine, batch, keys[:1], timedelta(minutes=5))
    again, busy = work.hold(
        engine, f"{BATCH_HOLDER}may-b:3", keys[:1], timedelta(minutes=5), dead=BATCH_HOLDER
    )
    assert [(c.learner, c.assignment) for c in again] == keys[:1] and busy == []
    engine.dispose()


def test_a_grader_started_in_the_background_still_stops_on_ctrl_c(course, tmp_path):
    """Started as a background job does it (`canhgiac hub graders &`, nohup: SIGINT ignored from the
    start), does a grader still stop on Ctrl+C (SIGINT), its workers with it?"""
    import signal as signals

    log = tmp_path / "grader.log"
    grader = subprocess.Popen(
        [str(BIN / "canhgiac"), "hub", "graders", "--course", str(course.root), "--jobs", "1"],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=tool_env(),
        cwd=course.root,
        start_new_session=True,
        preexec_fn=lambda: signals.signal(signals.SIGINT, signals.SIG_IGN),  # as a shell's `&` leaves it
    )
    try:
        wait_for(lambda: any("ready" in line for line in log_lines(log)), 120, log.read_text)
        workers = wait_for(lambda: workers_of(grader), 60, log.read_text)
        grader.send_signal(signals.SIGINT)
        code = grader.wait(60)
    finally:
        if grader.poll() is None:
            grader.kill()
            grader.wait()
    assert code == 130, log.read_text()
    assert not [pid for pid in workers if running(pid)], "a worker left running after Ctrl+C"
