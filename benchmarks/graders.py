"""Hosted grading (`canhgiac hub graders`) against serial `nbgrader autograde`, side by side in one run.

What a learner waits for on the hosted course is the time from "Nộp bài" to
the score; what the province needs is that the graders keep up.  This
measures both for N submissions of the final test (--n, 20 by default).

SETUP (not timed)  a temporary course made from the real bank (`canhgiac
       assign`, `nbgrader generate_assignment final`), a roster of N learners
       (`canhgiac roster import`), and N answer files drawn as
       benchmarks/grading.py draws them (--seed).

SERIAL (timed)  the N submissions put under submitted/ and one `nbgrader
       autograde final --create` over them: seconds, graded per second.

HOSTED (timed)  a fresh copy of the course (SQLite gradebook, the embedded
       default), one `canhgiac hub graders --jobs J` started and waited for
       until its /health says its workers are ready (start-up not timed: a
       grader runs for weeks).  Then the N submissions are handed in as the
       course service lands them (collect's landing, then a grading request in
       the queue, canhgiac.course.queue): the first N - B at --rate per second
       (the steady load), then the last B (--burst) at once.  Per submission,
       the latency is from its request to its grading being recorded
       (canhgiac_attempt.graded_at, the moment the learner's results show the
       score); all graded is from the first request to the last recording.
       The learner's page polls its results every 2 s: add up to that to
       get "Nộp bài" to the score on the page.

RATIOS  hosted graded/s divided by serial graded/s (>= 1: the graders keep
       up with what one serial nbgrader does); the latencies' p50/p95 beside
       the issue's goal (p95 <= 10 s at the steady load on 2 cores).

CHECK  every submission graded once by the graders, with the total the bank's
       key gives its answers, and by serial nbgrader with the same total;
       otherwise the mismatches are printed and the exit status is 1.

MACHINE  the load average before and after, and the parallel capacity (as in
       benchmarks/grading.py): read every figure beside them.

Run: .venv/bin/python benchmarks/graders.py [--n N] [--rate R] [--burst B] [--jobs J] [--poll P] [--seed S]
                                             [--json] [--log FILE]
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from grading import (  # beside this script
    ASSIGNMENT,
    BANK,
    COURSE_ID,
    ENV,
    NOTEBOOK,
    CommandError,
    command,
    expected_total,
    generate_answers,
    nbgrader_autograde,
    parallel_capacity,
)
from markdown_table import markdown_table
from sqlalchemy import create_engine, select

from canhgiac.bank import load_bank
from canhgiac.collect import Received, collect_received
from canhgiac.course import Course
from canhgiac.course import queue as work
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.grade.settings import cores
from canhgiac.quiz.answers import ANSWERS_FILE
from canhgiac.tools import BIN

KEEP_LOG: Path | None = None  # --log: where to keep the grader's log (one JSON line per event, timed)
GRADED_TIMEOUT = 900.0  # seconds after the last request; the run stops there whatever happened


def learner_ids(n: int) -> list[str]:
    return [f"HV{i:04d}" for i in range(1, n + 1)]


def make_template(folder: Path, ids: list[str]) -> None:
    """The course with the final test released and the N learners in its roster; no submission yet."""
    folder.mkdir()
    command("canhgiac", "assign", "--course", str(folder), "--bank", str(BANK), cwd=folder)
    command(
        "nbgrader", "generate_assignment", ASSIGNMENT, f"--CourseDirectory.course_id={COURSE_ID}", cwd=folder
    )
    roster = folder.parent / "danh-sach.csv"
    lines = ["Mã,Họ và tên,Cơ quan,Xã,Email", *(f"{i},Học viên {i},UBND xã Đình Lập,Đình Lập," for i in ids)]
    roster.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    command("canhgiac", "roster", "import", str(roster), "--course", str(folder), cwd=folder)


def serial(course: Path, answers: dict[str, dict]) -> float:
    release = course / "release" / ASSIGNMENT / NOTEBOOK
    for learner, chosen in answers.items():
        submission = course / "submitted" / learner / ASSIGNMENT
        submission.mkdir(parents=True)
        shutil.copy2(release, submission / NOTEBOOK)
        (submission / ANSWERS_FILE).write_text(json.dumps(chosen, ensure_ascii=False), encoding="utf-8")
        (submission / "timestamp.txt").write_text("2025-01-01 09:00:00.000000 UTC", encoding="utf-8")
    return nbgrader_autograde(course)


def serial_totals(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}


def _health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
            return response.status
    except (urllib.error.HTTPError, urllib.error.URLError, OSError) as error:
        return getattr(error, "code", 0)


def start_grader(course: Path, jobs: int, poll: float, log_path: Path) -> tuple[subprocess.Popen, float]:
    """The grader, started and waited for until its workers are ready; (process, seconds it took)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [
            str(BIN / "canhgiac"),
            *("hub", "graders", "--course", str(course), "--jobs", str(jobs), "--poll", str(poll)),
            *("--health-port", "0", "--health-host", "127.0.0.1"),
        ],
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        env=ENV,
        cwd=course,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    port = None
    while time.monotonic() < deadline and process.poll() is None:
        if port is None:
            for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith('{"health"'):
                    port = json.loads(line)["health"]
        elif _health(port) == 200:
            return process, time.perf_counter() - start
        time.sleep(0.2)
    stop(process)
    raise CommandError(["canhgiac", "hub", "graders"], log_path.read_text(encoding="utf-8", errors="replace"))


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def hosted(
    course_folder: Path, answers: dict[str, dict], rate: float, burst: int, jobs: int, poll: float, log
):
    """Hand the submissions in through the queue while one grader runs; per-learner request and graded times."""
    course = Course(course_folder)
    grader, startup = start_grader(course_folder, jobs, poll, course_folder.parent / "grader.log")
    engine = create_engine(course.db_url)
    requested: dict[str, datetime] = {}
    try:
        ids = list(answers)
        steady, at_once = ids[: len(ids) - burst], ids[len(ids) - burst :]
        log(f"hosted: {len(steady)} at {rate:g}/s, then {len(at_once)} at once")
        began = time.monotonic()
        for number, learner in enumerate(ids):
            if learner in steady and rate > 0:
                time.sleep(max(0.0, began + number / rate - time.monotonic()))
            moment = datetime.now(UTC).replace(tzinfo=None)
            book = {
                "learner": learner,
                "name": f"Học viên {learner}",
                "assignment": ASSIGNMENT,
                "saved_at": moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "answers": answers[learner],
            }
            data = json.dumps(book, ensure_ascii=False).encode("utf-8")
            item = Received(
                f"bench:{learner}", (f"{learner}_{ASSIGNMENT}",), f"bench:{learner}", ".json", data, moment
            )
            requested[learner] = moment
            assert collect_received(course, [item]).collected, learner
            work.request_grading(engine, learner, ASSIGNMENT)
        deadline = time.monotonic() + GRADED_TIMEOUT
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                rows = conn.execute(
                    select(attempt_table.c.learner_id, attempt_table.c.graded_at, attempt_table.c.score)
                ).all()
            if len(rows) >= len(ids):
                break
            if grader.poll() is not None:
                break
            time.sleep(0.2)
    finally:
        stop(grader)
        engine.dispose()
        if KEEP_LOG is not None:
            shutil.copy(course_folder.parent / "grader.log", KEEP_LOG)
    graded = {}
    counts: dict[str, int] = {}
    for learner, graded_at, score in rows:
        counts[learner] = counts.get(learner, 0) + 1
        graded[learner] = (graded_at, score)
    return requested, graded, counts, startup, set(steady)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def run(n: int, seed: int, rate: float, burst: int, jobs: int, poll: float, log) -> dict:
    questions = load_bank(BANK).graded(ASSIGNMENT)
    ids = learner_ids(n)
    drawn = generate_answers(questions, n, seed)
    answers = dict(zip(ids, drawn.values(), strict=True))
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="canhgiac-bench-graders-") as tmp:
        template = Path(tmp) / "template"
        log(f"making a course with {n} learners and '{ASSIGNMENT}' released ({len(questions)} questions)")
        make_template(template, ids)
        capacity = [parallel_capacity(min(jobs, cores()))]
        log(f"serial: nbgrader autograde over {n} submissions")
        serial_course = Path(tmp) / "serial"
        shutil.copytree(template, serial_course)
        serial_seconds = serial(serial_course, answers)
        totals = serial_totals(serial_course)
        capacity.append(parallel_capacity(min(jobs, cores())))
        log(f"hosted: canhgiac hub graders --jobs {jobs}")
        hosted_course = Path(tmp) / "hosted" / "course"
        hosted_course.parent.mkdir()
        shutil.copytree(template, hosted_course)
        requested, graded, counts, startup, steady = hosted(
            hosted_course, answers, rate, burst, jobs, poll, log
        )
    load_after = os.getloadavg()

    problems = []
    for learner in ids:
        want = expected_total(questions, answers[learner])
        if counts.get(learner, 0) != 1:
            problems.append(f"{learner}: graded {counts.get(learner, 0)} times by the graders")
        elif abs(graded[learner][1] - want) > 1e-9:
            problems.append(f"{learner}: graders' total {graded[learner][1]:g}, expected {want:g}")
        if abs(totals.get(learner, -1) - want) > 1e-9:
            problems.append(f"{learner}: serial total {totals.get(learner)}, expected {want:g}")
    latency = {
        learner: (graded[learner][0] - requested[learner]).total_seconds()
        for learner in ids
        if learner in graded
    }
    done = [graded[learner][0] for learner in ids if learner in graded]
    hosted_seconds = (max(done) - min(requested.values())).total_seconds() if done else float("nan")
    steady_l = [v for k, v in latency.items() if k in steady]
    burst_l = [v for k, v in latency.items() if k not in steady]
    serial_rate = n / serial_seconds
    hosted_rate = len(done) / hosted_seconds if done else 0.0
    return {
        "n": n,
        "seed": seed,
        "jobs": jobs,
        "rate": rate,
        "burst": burst,
        "poll": poll,
        "serial": {"seconds": serial_seconds, "graded_per_second": serial_rate},
        "hosted": {
            "seconds_until_all_graded": hosted_seconds,
            "graded_per_second": hosted_rate,
            "graded": len(done),
            "startup_seconds": startup,
            "latency_p50": percentile(list(latency.values()), 0.5),
            "latency_p95": percentile(list(latency.values()), 0.95),
            "steady_p50": percentile(steady_l, 0.5),
            "steady_p95": percentile(steady_l, 0.95),
            "burst_p50": percentile(burst_l, 0.5),
            "burst_p95": percentile(burst_l, 0.95),
            "latency_max": max(latency.values(), default=float("nan")),
        },
        "ratio_graded_per_second": hosted_rate / serial_rate,
        "load_before": load_before,
        "load_after": load_after,
        "capacity": capacity,
        "problems": problems,
    }


def print_table(result: dict) -> None:
    s, h = result["serial"], result["hosted"]
    print(
        f"Grading {result['n']} submissions of '{ASSIGNMENT}' (seed {result['seed']}); hosted: "
        f"{result['n'] - result['burst']} at {result['rate']:g}/s then {result['burst']} at once, "
        f"--jobs {result['jobs']}, --poll {result['poll']:g}\n"
    )
    markdown_table(
        [
            ("contender", "seconds", "graded/s", "latency p50 (s)", "latency p95 (s)"),
            (
                "nbgrader autograde (serial, all at once)",
                f"{s['seconds']:.1f}",
                f"{s['graded_per_second']:.3f}",
                "",
                "",
            ),
            (
                "canhgiac hub graders (requests through the queue)",
                f"{h['seconds_until_all_graded']:.1f}",
                f"{h['graded_per_second']:.3f}",
                f"{h['latency_p50']:.2f}",
                f"{h['latency_p95']:.2f}",
            ),
        ]
    )
    print(
        f"\nratio graded/s, hosted / serial: {result['ratio_graded_per_second']:.2f} "
        f"(the hosted figure includes waiting for the steady arrivals: at {result['rate']:g}/s the "
        f"first {result['n'] - result['burst']} cannot be graded faster than they come)"
    )
    phases = []
    if result["n"] > result["burst"]:
        phases.append(f"steady p50 {h['steady_p50']:.2f} s, p95 {h['steady_p95']:.2f} s")
    if result["burst"]:
        phases.append(f"burst p50 {h['burst_p50']:.2f} s, p95 {h['burst_p95']:.2f} s")
    print(
        f"latency request -> graded: {'; '.join(phases)}; max {h['latency_max']:.2f} s "
        "(goal: p95 <= 10 s at the steady load; the learner's page adds up to its 2 s poll)"
    )
    print(f"grader start-up (not in the figures): {h['startup_seconds']:.1f} s until /health said ready")
    lb, la = result["load_before"], result["load_after"]
    print(
        f"machine: {os.cpu_count()} cores; load average before {lb[0]:.2f} {lb[1]:.2f} {lb[2]:.2f}, "
        f"after {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}; capacity {', '.join(f'{c:.2f}' for c in result['capacity'])} "
        f"(of {min(result['jobs'], cores())} on idle cores)"
    )
    if result["problems"]:
        print(f"\nscores: {len(result['problems'])} problem(s):")
        print("\n".join(f"  {p}" for p in result["problems"]))
    else:
        print(f"scores: all {result['n']} graded once, equal to the key's totals and to serial nbgrader's")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="number of submissions")
    parser.add_argument("--rate", type=float, default=1.0, help="steady arrivals per second (0: all at once)")
    parser.add_argument("--burst", type=int, help="how many of the N arrive at once at the end (default N/2)")
    parser.add_argument("--jobs", type=int, default=2, help="canhgiac hub graders --jobs (default 2)")
    parser.add_argument("--poll", type=float, default=0.5, help="canhgiac hub graders --poll (default 0.5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated answers")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--log", type=Path, help="keep the grader's log in this file")
    args = parser.parse_args()
    global KEEP_LOG
    KEEP_LOG = args.log
    burst = args.n // 2 if args.burst is None else args.burst
    if args.n < 1 or args.jobs < 1 or not 0 <= burst <= args.n or args.rate < 0:
        parser.error("--n and --jobs must be at least 1, --burst between 0 and N, --rate not negative")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        result = run(args.n, args.seed, args.rate, burst, args.jobs, args.poll, log)
    except CommandError as error:
        print(f"\n{error}:\n{error.output[-4000:]}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_table(result)
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
