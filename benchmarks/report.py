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

Run: .venv/bin/python benchmarks/report.py [--loop-sizes 500 1000] [--sizes 5000 20000] [--quick] [--json]
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
    args = parser.parse_args()
    loop_sizes, sizes = ([100, 200], [2000]) if args.quick else (args.loop_sizes, args.sizes)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(loop_sizes, sizes, args.seed, log)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_table(result)
    return 1 if any(r.get("problems") for r in result["results"]) else 0


if __name__ == "__main__":
    sys.exit(main())
