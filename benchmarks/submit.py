"""The course service's own work for one submission, the way it was and the way it is, side by side.

What POST /services/khoa-hoc/api/submissions spends, after the hub said who
signed in (HubAuth keeps that answer 5 minutes, and the service now asks it
without blocking its IO loop): finding the signed-in person in the roster, and
landing the attempt (collect's landing, fsyncs, the grading request).  Both
are timed here on a course of a province's size, without the hub: the hub's
and the network's share is measured by benchmarks/hosted.py.

SETUP (not timed)  a course (`canhgiac assign`, `nbgrader generate_assignment
       final`) whose gradebook holds --learners synthetic learners with graded
       attempts (benchmarks/synthetic.py), and a book-page body per learner.

CONTENDERS (timed, each on its own learners, in the same run)
       old    the service before: the roster entry from the whole roster
              (load_learners; the service read it again every 30 s, on its IO
              loop), and collect_received(course, [item]) reading every
              released notebook, every learner and every graded attempt of the
              course for each submission;
       new    canhgiac.service.app: State.person (one row, cached) and `land`
              (the released quizzes kept, the one learner, their graded attempts).

LOADS  steady: --steady submissions one after the other (as 1 a second: each
       alone); burst: --burst submissions arriving evenly within --window
       seconds, served by the service's pool of 4 threads (one landing at a
       time, as in the service): time from arrival to stored, queueing included.

RESULT  p50/p95/max per contender and load, the ratios old/new, what one
       roster read costs (the old way paid it on the IO loop every 30 s), and
       the work of GET api/results (polled every second while "đang chấm").

Run: .venv/bin/python benchmarks/submit.py [--learners 20000] [--steady 30] [--burst 100] [--window 10]
"""

import argparse
import json
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from grading import ASSIGNMENT, BANK, COURSE_ID, command, generate_answers  # beside this script
from markdown_table import markdown_table
from synthetic import generate_gradebook

from canhgiac.bank import load_bank
from canhgiac.collect import Received, collect_received
from canhgiac.course import Course
from canhgiac.course import queue as work
from canhgiac.roster import load_learners
from canhgiac.service.app import State, land, learner_results


def make_course(folder: Path, n: int) -> tuple[Course, list[str]]:
    folder.mkdir()
    command("canhgiac", "assign", "--course", str(folder), "--bank", str(BANK), cwd=folder)
    command(
        "nbgrader", "generate_assignment", ASSIGNMENT, f"--CourseDirectory.course_id={COURSE_ID}", cwd=folder
    )
    (folder / "gradebook.db").unlink(
        missing_ok=True
    )  # the generated one instead: n learners, graded attempts
    synthetic = generate_gradebook(f"sqlite:///{folder / 'gradebook.db'}", n, quizzes=5, questions=10, seed=1)
    return Course(folder), synthetic.learner_ids()


def old_land(course: Course, engine, lock, roster: dict, learner: str, data: dict, ident: str, received_at):
    """The service's landing before: collect reading the whole course for each submission.

    The person comes from `roster`, read once here (the service read the whole roster every 30 s: its
    cost is shown apart).
    """
    entry = roster[learner.lower()]
    item = Received(
        origin=f"khoa-hoc:{learner}:{ident}",
        names=(f"{learner}_{ASSIGNMENT}",),
        group=f"khoa-hoc:{ident}",
        suffix=".json",
        data=json.dumps(data, ensure_ascii=False).encode("utf-8"),
        modified=received_at,
    )
    with lock:
        result = collect_received(course, [item])
    assert not result.refused, result.refused
    work.request_grading(engine, entry.id, ASSIGNMENT)


def new_land(state: State, learner: str, data: dict, ident: str, received_at: datetime):
    entry = state.person(learner.lower())
    outcome = land(state, entry, ASSIGNMENT, data, ident, received_at)
    assert not isinstance(outcome, str), outcome


def timed(call, learner: str, i: int) -> float:
    """Land one submission; the moment it was stored."""
    call(learner, i)
    return time.perf_counter()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict:
    return {
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
        "max": max(values),
        "n": len(values),
    }


def run(n: int, steady: int, burst: int, window: float, log) -> dict:
    with tempfile.TemporaryDirectory(prefix="canhgiac-bench-submit-") as tmp:
        log(f"course with {n} learners")
        course, learners = make_course(Path(tmp) / "course", n)
        questions = load_bank(BANK).graded(ASSIGNMENT)
        answers = generate_answers(questions, 1, seed=2)["hv-0001"]
        state = State(course, Path(tmp), Path(tmp) / "state")
        lock = threading.Lock()

        def body(learner: str) -> dict:
            now = datetime.now(UTC).isoformat()
            return {
                "learner": learner,
                "name": "",
                "assignment": ASSIGNMENT,
                "saved_at": now,
                "answers": answers,
            }

        contenders = {
            "old": lambda lid, i: old_land(
                course, state.engine, lock, roster, lid, body(lid), f"id-{i:08d}", _now()
            ),
            "new": lambda lid, i: new_land(state, lid, body(lid), f"id-{i:08d}", _now()),
        }
        result: dict = {"learners": n}
        start = time.perf_counter()
        roster = {lid.lower(): entry for lid, entry in load_learners(course).items()}
        result["roster_read"] = time.perf_counter() - start
        pool = ThreadPoolExecutor(max_workers=4)
        queue = iter(learners)
        for name, call in contenders.items():  # each on learners of its own: first submissions for both
            times = []
            for i in range(steady):
                t = time.perf_counter()
                call(next(queue), i)
                times.append(time.perf_counter() - t)
            result[f"{name}_steady"] = summary(times)
            log(f"  {name} steady: {result[f'{name}_steady']}")
            arrivals, futures = [], []
            begin = time.perf_counter()
            for i in range(burst):
                due = begin + i * window / burst
                time.sleep(max(0.0, due - time.perf_counter()))
                arrivals.append(time.perf_counter())
                futures.append(pool.submit(timed, call, next(queue), 10_000 + i))
            times = [f.result() - a for f, a in zip(futures, arrivals, strict=True)]
            result[f"{name}_burst"] = summary(times)
            log(f"  {name} burst: {result[f'{name}_burst']}")
        pool.shutdown()
        # What the quiz page asks every second while "đang chấm": one learner's results.
        polled = learners[0]  # the first to hand in: one stored attempt
        times = []
        for _ in range(50):
            t = time.perf_counter()
            state.person(polled.lower())
            assert learner_results(state, polled)
            times.append(time.perf_counter() - t)
        result["results_poll"] = summary(times)
        state.close()
        state.engine.dispose()
    return result


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def print_table(r: dict) -> None:
    print(f"The service's work per submission, {r['learners']:,} learners in the course\n")
    rows = [("load", "old p50 / p95 / max (ms)", "new p50 / p95 / max (ms)", "p95 old / new")]
    for load in ("steady", "burst"):
        o, v = r[f"old_{load}"], r[f"new_{load}"]
        rows.append(
            (
                f"{load} ({o['n']})",
                f"{1000 * o['p50']:.0f} / {1000 * o['p95']:.0f} / {1000 * o['max']:.0f}",
                f"{1000 * v['p50']:.0f} / {1000 * v['p95']:.0f} / {1000 * v['max']:.0f}",
                f"{o['p95'] / v['p95']:.1f}x",
            )
        )
    markdown_table(rows)
    print(
        f"\nOne read of the whole roster (old: on the IO loop, every 30 s): {1000 * r['roster_read']:.0f} ms"
    )
    p = r["results_poll"]
    print(
        f"GET api/results' work (the person, cached, and their results), {p['n']} polls: "
        f"p50 {1000 * p['p50']:.1f} ms, p95 {1000 * p['p95']:.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20000)
    parser.add_argument("--steady", type=int, default=30)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.learners < 2 * (args.steady + args.burst):
        parser.error("--learners must be at least twice --steady + --burst (each submission a new learner)")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(args.learners, args.steady, args.burst, args.window, log)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
