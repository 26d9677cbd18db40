"""Seconds per submission when the final test is graded, with a baseline to judge the noise.

What a trainer waits for after a session is the grading of every learner's
final test; this measures it for N submissions (--n, 50 by default).

SETUP (not timed)  a temporary nbgrader course made from the real bank
       (`canhgiac assign --course`, `nbgrader generate_assignment final`), and N
       submissions under submitted/<learner>/final/: the released quiz.ipynb,
       a timestamp.txt, and an answers.json of pseudo-random answers drawn
       from the bank with --seed (about half of them the key, some questions
       left unanswered, the rest well-formed answers of the question's kind).

CONTENDERS (timed, time.perf_counter)  each grades a fresh copy of that course:
       serial   `nbgrader autograde final --create`, one run over all N
                submissions (one kernel after another; nbgrader's startup is
                paid once and shared by the N).
       parallel `canhgiac grade --jobs J` (J = the cores plus one, or --jobs): J
                processes running nbgrader's own autograde, one submission
                after another each, and recording every attempt; each kernel
                in the jail (canhgiac.grade.jail).
       unjailed the same with c.GradeSettings.isolate = False: the jail's cost
                is (parallel seconds) / (unjailed seconds).
       With --rounds R (1 by default) the contenders run R times, alternating,
       and the medians are reported: a shared machine's load changes between
       runs, and alternating spreads it over both.  The speed-up printed is
       (serial seconds) / (parallel seconds); the goal on 2 cores is >= 1.8.

CAPACITY (before each contender) J processes each running the same
       CPU-bound loop, against one alone: how many times one core's work the
       machine gives J busy processes right now (J on idle cores).  On a
       machine shared with other work it is less, and so is any speed-up:
       read the speed-up beside it.

BASELINE (timed, same machine, just before the contenders)  one execution of
       the same released notebook with nbclient (a fresh kernel each time, in a
       folder holding one generated answers.json), repeated --repeat times (3;
       --quick runs 1); the median is reported with the spread of the runs.
       Shared machines are noisy, so what can be compared between machines and
       runs is the ratio (seconds per submission) / (baseline seconds per
       notebook execution): how much grading costs beyond running the notebook.

CHECK  after each contender, nbgrader's gradebook must hold a score for every
       question of every submission, and every submission's total must equal
       the total computed here from the bank's key for the generated answers;
       and every question's score must be the same in the gradebooks of all
       contenders.  Otherwise the mismatches are printed and the exit status
       is 1: a fast grading that grades wrongly is not a result.

Run: .venv/bin/python benchmarks/grading.py [--n N] [--seed S] [--repeat K | --quick] [--rounds R]
                                            [--jobs J] [--json]
"""

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from markdown_table import markdown_table  # beside this script
from nbclient import NotebookClient
from nbgrader.api import Gradebook

from canhgiac.bank import Question, load_bank
from canhgiac.grade.settings import cores, default_workers
from canhgiac.quiz.answers import ANSWERS_FILE
from canhgiac.tools import BIN, tool_env

REPO = Path(__file__).resolve().parents[1]
BANK = REPO / "quizzes" / "bank"

ASSIGNMENT = "final"
COURSE_ID = "canhgiac"
NOTEBOOK = "quiz.ipynb"
# nbgrader runs `alembic` and `jupyter` from PATH: the venv's, as a trainer's shell would have it.
ENV = tool_env()
P_KEY, P_UNANSWERED = 0.5, 0.1  # per question; otherwise a random well-formed answer


class CommandError(Exception):
    def __init__(self, cmd: list[str], output: str) -> None:
        super().__init__(f"{' '.join(cmd)} failed")
        self.output = output


def command(*cmd: str, cwd: Path) -> None:
    """Run a command of the venv; CommandError with its output if it fails."""
    proc = subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=cwd, env=ENV, capture_output=True, text=True)
    if proc.returncode != 0:
        raise CommandError(list(cmd), proc.stdout + proc.stderr)


# --- setup -------------------------------------------------------------------------------------


def random_answer(q: Question, rng: random.Random) -> list[str] | None:
    """The key, nothing (None), or a random answer of the question's kind (which may be the key)."""
    draw = rng.random()
    if draw < P_KEY:
        return list(q.answer)
    if draw < P_KEY + P_UNANSWERED:
        return None
    ids = [o.id for o in q.options]
    if q.kind == "order":
        return rng.sample(ids, len(ids))
    if q.kind == "multiple":
        return rng.sample(ids, rng.randint(1, len(ids)))
    return [rng.choice(ids)]


def generate_answers(questions: list[Question], n: int, seed: int) -> dict[str, dict[str, list[str]]]:
    """answers.json contents by learner, the same for the same seed."""
    rng = random.Random(seed)
    learners = {}
    for i in range(1, n + 1):
        answers = {q.id: random_answer(q, rng) for q in questions}
        learners[f"hv-{i:04d}"] = {qid: chosen for qid, chosen in answers.items() if chosen is not None}
    return learners


def expected_total(questions: list[Question], answers: dict[str, list[str]]) -> float:
    """The total the answers deserve, from the bank's key (all or nothing per question)."""
    return sum(q.points for q in questions if q.id in answers and q.is_correct(answers[q.id]))


def make_course(folder: Path, learners: dict[str, dict[str, list[str]]]) -> None:
    """A course with the final test generated and one submission per learner, ready to autograde."""
    folder.mkdir()
    command("canhgiac", "assign", "--course", str(folder), "--bank", str(BANK), cwd=folder)
    command(
        "nbgrader", "generate_assignment", ASSIGNMENT, f"--CourseDirectory.course_id={COURSE_ID}", cwd=folder
    )
    release = folder / "release" / ASSIGNMENT / NOTEBOOK
    for learner, answers in learners.items():
        submission = folder / "submitted" / learner / ASSIGNMENT
        submission.mkdir(parents=True)
        shutil.copy2(release, submission / NOTEBOOK)
        (submission / ANSWERS_FILE).write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
        (submission / "timestamp.txt").write_text("2025-01-01 09:00:00.000000 UTC", encoding="utf-8")


# --- contenders: each grades every submission of a course folder and returns seconds -------------


def nbgrader_autograde(course: Path) -> float:
    """One `nbgrader autograde final --create` over all submissions, serially."""
    start = time.perf_counter()
    command(
        "nbgrader",
        "autograde",
        ASSIGNMENT,
        "--create",
        f"--CourseDirectory.course_id={COURSE_ID}",
        cwd=course,
    )
    return time.perf_counter() - start


JOBS: int | None = None  # --jobs; None: one per core plus one, as `canhgiac grade` does by default


def canhgiac_grade(course: Path) -> float:
    """`canhgiac grade` over all submissions, JOBS at a time."""
    start = time.perf_counter()
    jobs = ["--jobs", str(JOBS)] if JOBS else []
    command("canhgiac", "grade", "--course", str(course), *jobs, cwd=course)
    return time.perf_counter() - start


def canhgiac_grade_unjailed(course: Path) -> float:
    """`canhgiac grade` with its kernels outside the jail (GradeSettings.isolate = False): the jail's cost."""
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write("\nc.GradeSettings.isolate = False\n")
    return canhgiac_grade(course)


SERIAL, PARALLEL = "nbgrader autograde (serial)", "canhgiac grade (parallel)"
UNJAILED = "canhgiac grade, kernels not jailed"
CONTENDERS: dict[str, Callable[[Path], float]] = {
    SERIAL: nbgrader_autograde,
    PARALLEL: canhgiac_grade,
    UNJAILED: canhgiac_grade_unjailed,
}


# --- baseline ----------------------------------------------------------------------------------


def execute_notebook(notebook: Path) -> float:
    """Seconds to run `notebook` once with nbclient, in its folder, with a fresh kernel."""
    nb = nbformat.read(notebook, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=60, resources={"metadata": {"path": str(notebook.parent)}})
    client.execute(stderr=subprocess.DEVNULL)  # the kernel's start-up warnings; a failing cell still raises
    return time.perf_counter() - start


def baseline(course: Path, learner: str, repeat: int) -> list[float]:
    """`repeat` executions of one submission's notebook, in a copy of its folder."""
    folder = course.parent / "baseline"
    shutil.copytree(course / "submitted" / learner / ASSIGNMENT, folder)
    try:
        return [execute_notebook(folder / NOTEBOOK) for _ in range(repeat)]
    finally:
        shutil.rmtree(folder)


# --- check -------------------------------------------------------------------------------------


def question_scores(course: Path) -> dict[str, dict[str, float | None]]:
    """Every question's score in the gradebook, by learner (None: not graded)."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        return {
            submission.student.id: {
                g.name: (g.score if g.auto_score is not None or g.manual_score is not None else None)
                for nb in submission.notebooks
                for g in nb.grades
            }
            for submission in gb.assignment_submissions(ASSIGNMENT)
        }


def check_scores(
    course: Path, questions: list[Question], learners: dict[str, dict[str, list[str]]]
) -> list[str]:
    """What differs between the gradebook and the bank's key: a line per problem, none if all match."""
    problems = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        for learner, answers in learners.items():
            try:
                submission = gb.find_submission(ASSIGNMENT, learner)
            except Exception as exc:  # nbgrader's MissingEntry, or anything worse
                problems.append(f"{learner}: no submission in the gradebook ({type(exc).__name__})")
                continue
            # nbgrader's `score` shows 0.0 for a question nobody graded: ask whether anybody did.
            scores = {
                g.name: (g.score if g.auto_score is not None or g.manual_score is not None else None)
                for nb in submission.notebooks
                for g in nb.grades
            }
            missing = [q.id for q in questions if scores.get(q.id) is None]
            if missing:
                problems.append(f"{learner}: no score for {', '.join(missing)}")
            want = expected_total(questions, answers)
            if abs(submission.score - want) > 1e-9:
                problems.append(f"{learner}: total {submission.score:g}, expected {want:g}")
    return problems


# --- the machine's parallel capacity, right now --------------------------------------------------

SPIN = "x = 0\nfor i in range(8_000_000):\n    x += i\n"  # about half a second of one core's work


def _spin_seconds(processes: int) -> float:
    start = time.perf_counter()
    running = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(processes)]
    for process in running:
        process.wait()
    return time.perf_counter() - start


def parallel_capacity(processes: int) -> float:
    """How many times the work of one busy process `processes` of them get done at once, now.

    On idle cores it is `processes`; on a machine shared with other work it is less.
    """
    alone = _spin_seconds(1)
    together = _spin_seconds(processes)
    return processes * alone / together


# --- run and report ----------------------------------------------------------------------------


def run(n: int, seed: int, repeat: int, rounds: int, log: Callable[[str], None]) -> dict:
    questions = load_bank(BANK).graded(ASSIGNMENT)
    learners = generate_answers(questions, n, seed)
    with tempfile.TemporaryDirectory(prefix="canhgiac-bench-grading-") as tmp:
        template = Path(tmp) / "template"
        log(f"making a course with {n} submissions of '{ASSIGNMENT}' ({len(questions)} questions)")
        make_course(template, learners)
        log(f"baseline: {repeat} notebook execution(s) with nbclient")
        runs = baseline(template, next(iter(learners)), repeat)
        contenders = {name: {"runs": [], "problems": []} for name in CONTENDERS}
        gradebooks: dict[str, dict] = {}
        capacity = []
        for round_number in range(rounds):
            for index, (name, grade) in enumerate(CONTENDERS.items()):
                course = Path(tmp) / f"course-{index}"
                shutil.copytree(template, course)
                capacity.append(parallel_capacity(min(JOBS or default_workers(), cores())))
                log(f"round {round_number + 1}/{rounds}: grading {n} submissions: {name}")
                contenders[name]["runs"].append(grade(course))
                problems = check_scores(course, questions, learners)
                scores = question_scores(course)
                first = gradebooks.setdefault("first", {"name": name, "scores": scores})
                if scores != first["scores"]:
                    differ = sorted(
                        k
                        for k in scores.keys() | first["scores"].keys()
                        if scores.get(k) != first["scores"].get(k)
                    )
                    problems.append(
                        f"question scores differ from {first['name']}'s for {', '.join(differ[:10])}"
                    )
                contenders[name]["problems"] += [p for p in problems if p not in contenders[name]["problems"]]
                shutil.rmtree(course)
    base = statistics.median(runs)
    for result in contenders.values():
        result["seconds"] = statistics.median(result["runs"])
        result["per_submission"] = result["seconds"] / n
        result["ratio"] = result["per_submission"] / base
    speedup = contenders[SERIAL]["seconds"] / contenders[PARALLEL]["seconds"]
    jail_cost = contenders[PARALLEL]["seconds"] / contenders[UNJAILED]["seconds"]
    return {
        "n": n,
        "seed": seed,
        "questions": len(questions),
        "rounds": rounds,
        "jobs": JOBS or default_workers(),
        "baseline": {"runs": runs, "median": base},
        "contenders": contenders,
        "speedup": speedup,
        "jail_cost": jail_cost,
        "capacity": capacity,
    }


def print_table(result: dict) -> None:
    base = result["baseline"]
    rows = [("contender", "total (s)", "per submission (s)", "ratio to baseline")]
    for name, c in result["contenders"].items():
        rows.append((name, f"{c['seconds']:.2f}", f"{c['per_submission']:.3f}", f"{c['ratio']:.2f}"))
    print(
        f"Grading {result['n']} submissions of '{ASSIGNMENT}' "
        f"({result['questions']} questions, seed {result['seed']})\n"
    )
    markdown_table(rows)
    runs = base["runs"]
    spread = f", runs {min(runs):.3f}-{max(runs):.3f}" if len(runs) > 1 else ""
    print(
        f"\nbaseline: one nbclient execution of the released notebook, "
        f"median {base['median']:.3f} s of {len(runs)}{spread}"
    )
    rounds = result["rounds"]
    if rounds > 1:
        for name, c in result["contenders"].items():
            print(
                f"{name}: {rounds} rounds, {', '.join(f'{s:.1f}' for s in c['runs'])} s; the median is shown"
            )
    print(
        f"\nspeed-up: serial nbgrader autograde / canhgiac grade (--jobs {result['jobs']}) = "
        f"{result['speedup']:.2f} (goal on 2 cores: >= 1.8)"
    )
    print(
        f"cost of the kernels' jail: canhgiac grade / canhgiac grade without it = {result['jail_cost']:.2f} "
        "(both grade the released notebook with the answers; the jail adds a probe per run and a "
        "namespace set-up per kernel)"
    )
    capacity = result["capacity"]
    busy = min(result["jobs"], cores())
    print(
        f"machine: {busy} busy processes did {statistics.median(capacity):.2f} times the work of one "
        f"(median of {len(capacity)} checks, {min(capacity):.2f}-{max(capacity):.2f}; "
        f"{busy:.2f} on idle cores); a machine shared with other work lowers any speed-up"
    )
    for name, c in result["contenders"].items():
        if c["problems"]:
            print(f"\n{name}: scores: {len(c['problems'])} mismatch(es):")
            print("\n".join(f"  {p}" for p in c["problems"]))
        else:
            print(f"{name}: scores: all {result['n']} match the key and each other")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="number of submissions to grade")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated answers")
    parser.add_argument("--repeat", type=int, default=3, help="baseline executions; the median is reported")
    parser.add_argument("--quick", action="store_true", help="10 submissions, one baseline execution")
    parser.add_argument("--rounds", type=int, default=1, help="alternating runs of the contenders; medians")
    parser.add_argument("--jobs", type=int, help="canhgiac grade --jobs (default: one per core)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    n, repeat = (10, 1) if args.quick else (args.n, args.repeat)
    if n < 1 or repeat < 1 or args.rounds < 1 or (args.jobs is not None and args.jobs < 1):
        parser.error("--n, --repeat, --rounds and --jobs must be at least 1")
    global JOBS
    JOBS = args.jobs

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        result = run(n, args.seed, repeat, args.rounds, log)
    except CommandError as error:
        print(f"\n{error}:\n{error.output[-4000:]}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_table(result)
    return 1 if any(c["problems"] for c in result["contenders"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
