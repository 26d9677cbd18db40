"""Seconds to write the trainer's report, against a loop over nbgrader's Gradebook API, as learners grow.

What a trainer waits for when a province's course is reported on is reading
the scores of every learner and quiz; this measures it at growing sizes.

SETUP (not timed)  for each size N, a SQLite gradebook in a temporary folder
       with 5 quizzes of 10 questions and N learners with pseudo-random scores
       (benchmarks/synthetic.py: bulk inserts into nbgrader's tables, about
       90% of the quizzes handed in, some retakes kept in canhgiac_attempt),
       in about N/100 agencies spread over N/400 communes.

CONTENDERS (timed, time.perf_counter, each run once per size)
       report   canhgiac.report.write_report: the whole `canhgiac report`
                (SQL aggregates, tables, charts, HTML, CSV, XLSX); the time
                spent reading the gradebook (read_course) is shown apart.
       loop     a straightforward loop over nbgrader's Gradebook API, learner
                by learner: gb.find_submission(quiz, learner).score for every
                learner and quiz (MissingEntry when not handed in).  It only
                reads the scores: the rest of the report would cost more.
       The loop runs at the small sizes only (--loop-sizes, 500 and 1,000):
       its cost grows with the square of the learners (about 30 minutes at
       5,000), so at the large sizes (--sizes, 5,000 and 20,000: a province)
       the report is timed alone.

RESULT  per size: seconds, seconds per learner (a cost that grows linearly
       keeps this flat), and at the loop's sizes the ratio loop / report.
       The goal: at least 30 times faster than the loop at 1,000 learners.

CHECK  at the loop's sizes, every score the report read must equal the
       loop's, learner by learner and quiz by quiz; otherwise the mismatches
       are printed and the exit status is 1.

LIVE (--live N ...: the hosted course's live report, what a trainer waits for)
       For each size N, a tornado server on 127.0.0.1 (port 0) serves the
       report page two ways, in turn, on the same course, while a thread keeps
       changing the gradebook (one new graded attempt a second, as graders do):
       old      the service as it was: a request rebuilds the whole report
                (write_report, in the service's thread pool) when the last one
                is older than 10 s, then sends report.html;
       live     canhgiac.service.live_report: the last report built, sent at
                once (gzip-compressed once per build), built again in a process
                of its own when the gradebook changed.
       A trainer (requests, Accept-Encoding: gzip) opens the page every
       --every seconds, --requests times; the time of each request is to the
       last byte of the page.  The first request of each (which builds the
       first report for both) is shown apart.  RESULT: p50/p95/max, and
       p95 old / p95 live.  The goal: p95 <= 2 s at 20,000 learners.

Run: .venv/bin/python benchmarks/report.py [--loop-sizes 500 1000] [--sizes 5000 20000] [--quick] [--json]
     .venv/bin/python benchmarks/report.py --live 2000 20000 [--requests 20] [--every 3]
"""

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from markdown_table import markdown_table  # beside this script
from nbgrader.api import Gradebook, MissingEntry
from synthetic import generate_gradebook

from canhgiac.course import Course
from canhgiac.report import read_course, write_report
from canhgiac.tools import put_tools_on_path

QUIZZES, QUESTIONS = 5, 10
COURSE_ID = "canhgiac"


def make_course(folder: Path, n: int, seed: int) -> Course:
    folder.mkdir()
    generate_gradebook(
        f"sqlite:///{folder / 'gradebook.db'}",
        n,
        QUIZZES,
        QUESTIONS,
        seed=seed,
        agencies=max(4, n // 100),  # about 100 learners an agency
        communes=max(3, n // 400),  # about 4 agencies a commune
        earlier_attempts=0.1,
    )
    return Course(folder)


def time_report(course: Course, out: Path) -> tuple[float, float]:
    """(seconds for the whole report, seconds of it spent reading the gradebook)."""
    start = time.perf_counter()
    read_course(course)
    reading = time.perf_counter() - start
    start = time.perf_counter()
    write_report(course, out)
    return time.perf_counter() - start, reading


def time_loop(course: Course) -> tuple[float, dict[tuple[str, str], float]]:
    """Seconds for the Gradebook API loop, and the scores it read."""
    put_tools_on_path()
    with Gradebook(course.db_url, course_id=COURSE_ID) as gb:  # opening it is not timed
        students = [s.id for s in gb.students]
        quizzes = [a.name for a in gb.assignments]
        start = time.perf_counter()
        scores = {}
        for student in students:
            for quiz in quizzes:
                try:
                    scores[(student, quiz)] = gb.find_submission(quiz, student).score
                except MissingEntry:
                    pass
        return time.perf_counter() - start, scores


def check(course: Course, loop_scores: dict[tuple[str, str], float]) -> list[str]:
    """The scores the report reads (latest attempt) against the loop's."""
    data = read_course(course)
    ours = {(lid, quiz): r.score for lid, by_quiz in data.results.items() for quiz, r in by_quiz.items()}
    problems = [f"{k}: report has no score, loop {v}" for k, v in loop_scores.items() if k not in ours]
    problems += [
        f"{k}: report {ours[k]}, loop {v}"
        for k, v in loop_scores.items()
        if k in ours and abs(ours[k] - v) > 1e-9
    ]
    problems += [f"{k}: report {v}, not in the loop" for k, v in ours.items() if k not in loop_scores]
    return problems


def run(loop_sizes: list[int], sizes: list[int], seed: int, log: Callable[[str], None]) -> dict:
    results = []
    with tempfile.TemporaryDirectory(prefix="canhgiac-bench-report-") as tmp:
        for n in sorted(set(loop_sizes) | set(sizes)):
            log(f"generating a gradebook of {n} learners ({QUIZZES} quizzes x {QUESTIONS} questions)")
            start = time.perf_counter()
            course = make_course(Path(tmp) / f"course-{n}", n, seed)
            generated = time.perf_counter() - start
            log(f"  generated in {generated:.1f} s; writing the report")
            report, reading = time_report(course, Path(tmp) / f"report-{n}")
            row = {
                "n": n,
                "generate": generated,
                "report": report,
                "reading": reading,
                "per_learner": report / n,
            }
            if n in loop_sizes:
                log("  the Gradebook API loop, learner by learner")
                loop, scores = time_loop(course)
                row.update(loop=loop, ratio=loop / report, problems=check(course, scores), scores=len(scores))
            results.append(row)
            (Path(tmp) / f"course-{n}" / "gradebook.db").unlink()
    return {"quizzes": QUIZZES, "questions": QUESTIONS, "seed": seed, "results": results}


def print_table(result: dict) -> None:
    print(
        f"canhgiac report against the Gradebook API loop ({result['quizzes']} quizzes x {result['questions']} questions)\n"
    )
    rows = [("learners", "report (s)", "reading (s)", "ms per learner", "loop (s)", "loop / report")]
    for r in result["results"]:
        loop = f"{r['loop']:.1f}" if "loop" in r else "-"
        ratio = f"{r['ratio']:.0f}x" if "ratio" in r else "-"
        rows.append(
            (
                f"{r['n']:,}",
                f"{r['report']:.2f}",
                f"{r['reading']:.2f}",
                f"{1000 * r['per_learner']:.2f}",
                loop,
                ratio,
            )
        )
    markdown_table(rows)
    print("\nreading: the part of the report spent reading the gradebook (SQL aggregates)")
    for r in result["results"]:
        if "problems" in r:
            if r["problems"]:
                print(f"\n{r['n']} learners: {len(r['problems'])} score mismatch(es):")
                print("\n".join(f"  {p}" for p in r["problems"][:20]))
            else:
                print(f"{r['n']:,} learners: the report's {r['scores']:,} scores equal the loop's")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class _Changes:
    """A thread adding one graded attempt a second to the gradebook, as the hosted graders would."""

    def __init__(self, course: Course) -> None:
        import threading

        from sqlalchemy import create_engine

        self.engine = create_engine(course.db_url)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.added = self.locked = 0

    def _run(self) -> None:
        import random
        from datetime import datetime, timedelta

        from sqlalchemy import insert, select
        from sqlalchemy.exc import OperationalError

        from canhgiac.course.tables import attempt, learner

        with self.engine.connect() as conn:
            ids = list(conn.execute(select(learner.c.id)).scalars())
        moment = datetime(2030, 1, 1)
        while not self.stop.wait(1.0):
            moment += timedelta(seconds=1)
            row = dict(
                learner_id=random.choice(ids),
                assignment="final",
                submitted_at=moment,
                graded_at=moment,
                score=float(random.randint(0, 20)),
                max_score=20.0,
            )
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(attempt).values(**row))
                self.added += 1
            except OperationalError:  # SQLite's "database is locked" while a long read holds it
                self.locked += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.engine.dispose()


def _serve(course: Course, folder: Path):
    """A tornado server on 127.0.0.1 in a thread: /old and /live; returns (base URL, stop, live report)."""
    import asyncio
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import create_engine
    from tornado import web
    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets

    from canhgiac.service.live_report import LiveReport

    pool = ThreadPoolExecutor(max_workers=4)
    ready = threading.Event()
    box: dict = {}

    def fresh_old() -> bytes:  # the service's _fresh_report before live_report.py
        page = folder / "old" / "report.html"
        if not page.is_file() or time.time() - page.stat().st_mtime > 10.0:
            write_report(course, folder / "old")
            page.touch()
        return page.read_bytes()

    class Old(web.RequestHandler):
        async def get(self):
            body = await asyncio.get_running_loop().run_in_executor(pool, fresh_old)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(body)  # tornado's compress_response gzips it, as the service did

    class Live(web.RequestHandler):
        async def get(self):
            built = await box["live"].latest()
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Content-Encoding", "gzip")
            self.finish(built.page_gz)

    def run() -> None:
        async def main() -> None:
            box["live"] = LiveReport(course, create_engine(course.db_url), folder / "live")
            app = web.Application([("/old", Old), ("/live", Live)], compress_response=True)
            server = HTTPServer(app)
            sockets = bind_sockets(0, "127.0.0.1")
            server.add_sockets(sockets)
            box["url"] = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
            box["stop"] = asyncio.Event()
            ready.set()
            await box["stop"].wait()
            box["live"].close()
            server.stop()

        box["loop"] = asyncio.new_event_loop()
        box["loop"].run_until_complete(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait()

    def stop() -> None:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join()
        pool.shutdown()

    return box["url"], stop, lambda: box["live"]


def live_run(sizes: list[int], requests_n: int, every: float, seed: int, log: Callable[[str], None]) -> dict:
    import requests

    results = []
    with tempfile.TemporaryDirectory(prefix="canhgiac-bench-live-") as tmp:
        for n in sizes:
            log(f"generating a gradebook of {n} learners")
            course = make_course(Path(tmp) / f"course-{n}", n, seed)
            url, stop, live = _serve(course, Path(tmp) / f"served-{n}")
            row: dict = {"n": n}
            try:
                with _Changes(course) as changes:
                    for way in ("old", "live"):
                        times = []
                        for i in range(requests_n + 1):
                            start = time.perf_counter()
                            answer = requests.get(
                                f"{url}/{way}", headers={"Accept-Encoding": "gzip"}, timeout=600
                            )
                            assert answer.status_code == 200 and "</html>" in answer.text, answer.status_code
                            times.append(time.perf_counter() - start)
                            log(f"  {way} request {i}: {times[-1]:.2f} s")
                            time.sleep(max(0.0, every - times[-1]))
                        first, rest = times[0], times[1:]
                        row[way] = {
                            "first": first,
                            "p50": _percentile(rest, 0.5),
                            "p95": _percentile(rest, 0.95),
                            "max": max(rest),
                        }
                row["live_build"] = live().current.seconds  # the last build, in its own process
                row["live_builds"] = live().builds  # the first, and those made in the background
                row["changes"] = {"added": changes.added, "locked": changes.locked}
            finally:
                stop()
            row["ratio"] = row["old"]["p95"] / row["live"]["p95"]
            results.append(row)
    return {"requests": requests_n, "every": every, "results": results}


def print_live(result: dict) -> None:
    print(
        f"The trainer's live report: {result['requests']} requests, one every {result['every']:g} s, "
        "the gradebook changing every second\n"
    )
    rows = [
        (
            "learners",
            "old first (s)",
            "old p50 / p95 / max (s)",
            "live first (s)",
            "live p50 / p95 / max (s)",
            "p95 old / live",
            "live builds (last, s)",
        )
    ]
    for r in result["results"]:
        o, v = r["old"], r["live"]
        rows.append(
            (
                f"{r['n']:,}",
                f"{o['first']:.2f}",
                f"{o['p50']:.2f} / {o['p95']:.2f} / {o['max']:.2f}",
                f"{v['first']:.2f}",
                f"{v['p50']:.3f} / {v['p95']:.3f} / {v['max']:.3f}",
                f"{r['ratio']:.0f}x",
                f"{r['live_builds']} ({r['live_build']:.1f})",
            )
        )
    markdown_table(rows)
    for r in result["results"]:
        c = r["changes"]
        print(
            f"{r['n']:,} learners: {c['added']} attempts added while it ran, {c['locked']} refused "
            "(SQLite: 'database is locked' while a report was reading the gradebook)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--loop-sizes", type=int, nargs="*", default=[500, 1000], help="sizes compared with the loop"
    )
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=[5000, 20000], help="sizes timed for the report alone"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="100 and 200 with the loop, 2,000 alone")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--live", type=int, nargs="*", help="time the hosted course's live report at these sizes"
    )
    parser.add_argument("--requests", type=int, default=20, help="--live: requests of the page, each way")
    parser.add_argument("--every", type=float, default=3.0, help="--live: seconds between two requests")
    args = parser.parse_args()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.live:
        result = live_run(args.live, args.requests, args.every, args.seed, log)
        print(json.dumps(result, indent=2) if args.json else "", end="")
        if not args.json:
            print_live(result)
        return 0
    loop_sizes, sizes = ([100, 200], [2000]) if args.quick else (args.loop_sizes, args.sizes)

    result = run(loop_sizes, sizes, args.seed, log)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_table(result)
    return 1 if any(r.get("problems") for r in result["results"]) else 0


if __name__ == "__main__":
    sys.exit(main())
