"""`canhgiac grade`: the same grades as a serial `nbgrader autograde`, in parallel, and safe to kill.

One set of submissions (two quizzes, learners answering all, part or none of
them right, a tampered notebook, a broken answers file, a notebook that is not
one) is graded three ways, each on its own copy of the course: by nbgrader's
own serial `nbgrader autograde`, by `canhgiac grade` run by its path without
the venv, and by a `canhgiac grade` killed with SIGKILL midway and run again.
Every question's score must be the same in the three gradebooks, and the
same as the answers deserve (from the bank's key).
"""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from course_factory import BARE_ENV, BIN, answers_for, copy_course, run
from sqlalchemy import create_engine, func, select

from canhgiac.course import Course
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.course.tables import attempt_grade as grade_table

QUIZZES = ("intro", "final")
# learner -> quiz -> plan (course_factory.answers_for) or a special case
SUBMISSIONS = {
    "CB001": {"intro": "all", "final": "all"},
    "CB002": {"intro": "partly", "final": "first-5"},
    "CB003": {"intro": "none", "final": "tampered"},  # grading cells edited to give full marks
    "CB004": {"intro": "broken", "final": "partly"},  # answers.json cut off: 0, with a reason
    "CB005": {"intro": "first-2", "final": "not-a-notebook"},  # nbgrader cannot grade it
}
FAILING = {("CB005", "final")}


def _submit(course: Path, learner: str, quiz: str, plan: str, minute: int) -> dict[str, float]:
    """A submission as nbgrader's exchange leaves it in submitted/; returns the scores it deserves."""
    folder = course / "submitted" / learner / quiz
    folder.mkdir(parents=True)
    notebook = nbformat.read(course / "release" / quiz / "quiz.ipynb", as_version=4)
    # A tampered notebook is graded with the original cells: its answers get what they deserve.
    answers, deserved = answers_for(
        {"tampered": "partly", "broken": "all", "not-a-notebook": "all"}.get(plan, plan), quiz
    )
    if plan == "tampered":
        for cell in notebook.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                cell.source = "1.0  # full marks, please"
    if plan == "not-a-notebook":
        (folder / "quiz.ipynb").write_text("this is not a notebook", encoding="utf-8")
    else:
        nbformat.write(notebook, folder / "quiz.ipynb")
    if plan == "broken":
        (folder / "answers.json").write_text('{"intro-q01": ["a"', encoding="utf-8")
        deserved = dict.fromkeys(deserved, 0.0)
    else:
        (folder / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    (folder / "timestamp.txt").write_text(f"2025-03-01 09:{minute:02d}:00.000000 UTC", encoding="utf-8")
    return deserved


@pytest.fixture(scope="module")
def submitted(released_course, tmp_path_factory) -> tuple[Path, dict]:
    """A course holding every submission, not graded yet, and the scores each deserves."""
    course = copy_course(released_course, tmp_path_factory.mktemp("grade") / "template")
    deserved = {}
    for minute, (learner, quizzes) in enumerate(SUBMISSIONS.items()):
        for quiz, plan in quizzes.items():
            deserved[(learner, quiz)] = _submit(course, learner, quiz, plan, minute)
    return course, deserved


def question_scores(course: Path) -> dict[tuple[str, str], dict[str, float]]:
    """Every question's score in nbgrader's gradebook, by (learner, quiz)."""
    with Course(course).gradebook() as gradebook:
        scores = {}
        for quiz in QUIZZES:
            for submission in gradebook.assignment_submissions(quiz):
                grades = [g for nb in submission.notebooks for g in nb.grades]
                # A failed grading leaves questions without a score (nbgrader's `score` shows 0.0 for them).
                if all(g.auto_score is not None or g.manual_score is not None for g in grades):
                    scores[(submission.student.id, quiz)] = {g.name: g.score for g in grades}
        return scores


def recorded(course: Path) -> tuple[list[tuple], list[tuple]]:
    """Our tables: the attempts and their questions' scores, without generated ids and times."""
    a, g = attempt_table.c, grade_table.c
    engine = create_engine(Course(course).db_url)
    with engine.connect() as db:
        attempts = db.execute(
            select(a.learner_id, a.assignment, a.submitted_at, a.score, a.max_score).order_by(
                a.learner_id, a.assignment
            )
        ).all()
        grades = db.execute(
            select(a.learner_id, a.assignment, g.question_id, g.score, g.max_score)
            .join(attempt_table, attempt_table.c.id == g.attempt_id)
            .order_by(a.learner_id, a.assignment, g.question_id)
        ).all()
    engine.dispose()
    return [tuple(r) for r in attempts], [tuple(r) for r in grades]


@pytest.fixture(scope="module")
def serial(submitted, tmp_path_factory) -> Path:
    """The reference: nbgrader's own `nbgrader autograde`, one submission after another."""
    course = copy_course(submitted[0], tmp_path_factory.mktemp("serial") / "course")
    for quiz in QUIZZES:
        # Exit status 1: the submission that is not a notebook fails; nbgrader grades the others.
        run("nbgrader", "autograde", quiz, cwd=course, check=False)
    return course


@pytest.fixture(scope="module")
def parallel(submitted, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """`canhgiac grade --jobs 2`, as a scheduled job runs it: by path, bare PATH, from another folder."""
    course = copy_course(submitted[0], tmp_path_factory.mktemp("parallel") / "course")
    result = run(
        "canhgiac",
        "grade",
        "--jobs",
        "2",
        "--course",
        str(course),
        env=BARE_ENV,
        cwd=course.parent,
        check=False,
    )
    return course, result


def test_parallel_grading_gives_the_same_scores_as_serial_nbgrader(submitted, serial, parallel):
    """Does every question get the same score from `canhgiac grade` as from a serial `nbgrader autograde`, and the deserved one?"""
    _, deserved = submitted
    expected = {key: scores for key, scores in deserved.items() if key not in FAILING}
    assert question_scores(serial) == expected
    assert question_scores(parallel[0]) == expected


def test_every_graded_attempt_is_recorded_once_with_its_questions(submitted, parallel):
    """Does canhgiac_attempt hold one row per graded submission, with the scores nbgrader gave each question?"""
    course, _ = parallel
    _, deserved = submitted
    attempts, grades = recorded(course)
    assert [(learner, quiz) for learner, quiz, *_ in attempts] == sorted(
        k for k in deserved if k not in FAILING
    )
    for learner, quiz, _, score, max_score in attempts:
        assert score == sum(deserved[(learner, quiz)].values())
        assert max_score == sum(answers_for("all", quiz)[1].values())
    nbgrader_scores = question_scores(course)
    assert {(who, quiz, qid): s for who, quiz, qid, s, _ in grades} == {
        (who, quiz, qid): s for (who, quiz), scores in nbgrader_scores.items() for qid, s in scores.items()
    }


def test_the_summary_names_failures_and_what_needs_a_look(parallel):
    """Does the summary say, in Vietnamese, what failed and why, and which graded notebook was tampered with?"""
    _, result = parallel
    out = result.stdout
    assert result.returncode == 1, out + result.stderr  # one submission could not be graded
    assert "Đã chấm: 9 bài nộp." in out
    failed = out.split("Không chấm được: 1 bài")[1].split("Cần xem lại")[0]
    assert "CB005 · bài final" in failed and "sổ tay hỏng" in failed
    review = out.split("Cần xem lại:")[1]
    assert "CB003 · bài final" in review and "ô chấm điểm trong sổ tay đã bị sửa" in review
    assert "CB004 · bài intro" in review and "answers.json" in review
    assert "CB001" not in review and "CB002" not in review
    assert "Chấm bài [" in result.stderr  # the progress bar


def test_a_second_run_grades_nothing_again(parallel, tmp_path):
    """Does running `canhgiac grade` again grade nothing again, and leave every recorded attempt as it was?"""
    course = copy_course(parallel[0], tmp_path / "course")
    shutil.rmtree(course / "submitted" / "CB005" / "final")  # the one that fails, tried again at every run
    before = recorded(course)
    again = run("canhgiac", "grade", "--course", str(course))
    assert again.stdout.strip() == "Không có bài nộp mới nào cần chấm."
    assert recorded(course) == before


def _count_attempts(course: Path) -> int:
    url = Course(course).db_url
    engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    try:
        with engine.connect() as db:
            return db.execute(select(func.count()).select_from(attempt_table)).scalar_one()
    except Exception:  # the table does not exist yet
        return 0
    finally:
        engine.dispose()


def test_a_run_killed_midway_finishes_on_the_next_run(submitted, parallel, tmp_path_factory):
    """After `kill -9` of the whole grading midway, does a second run give the same gradebook and attempts, none twice?"""
    course = copy_course(submitted[0], tmp_path_factory.mktemp("killed") / "course")
    process = subprocess.Popen(
        [str(BIN / "canhgiac"), "grade", "--jobs", "2", "--course", str(course)],
        env=BARE_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, killed as a whole, as a stopped scheduled job
    )
    deadline = time.monotonic() + 300
    while _count_attempts(course) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = _count_attempts(course)
    assert 2 <= killed_at < 9, f"not killed midway ({killed_at} attempts recorded)"

    rerun = run("canhgiac", "grade", "--course", str(course), env=BARE_ENV, check=False)
    assert "CB005 · bài final" in rerun.stdout and rerun.returncode == 1
    assert question_scores(course) == question_scores(parallel[0])
    assert recorded(course) == recorded(parallel[0])


def test_attempts_are_graded_oldest_first_and_nbgrader_ends_with_the_latest():
    """Are waiting attempts graded oldest first, and is the latest graded again when an older one came late?"""
    from datetime import datetime, timedelta

    from canhgiac.course.attempts import ARCHIVED, PENDING, SUBMITTED, Attempt
    from canhgiac.grade.plan import to_grade

    t = datetime(2025, 3, 1, 9)

    def attempt(hours: int, place: str) -> Attempt:
        return Attempt("CB001", "intro", Path(str(hours)), place, t + timedelta(hours=hours), f"d{hours}")

    def key(a: Attempt):
        return (a.learner, a.assignment, a.submitted_at)

    one, two, three = attempt(1, SUBMITTED), attempt(2, PENDING), attempt(3, PENDING)
    assert to_grade([three, one, two], set(), None) == [one, two, three]
    # Graded and in nbgrader's gradebook: nothing to do.
    assert to_grade([one], {key(one)}, one.submitted_at) == []
    # An older attempt arrives after the latest was graded: grade it, then the latest again.
    late, latest = attempt(0, PENDING), attempt(1, ARCHIVED)
    graded_latest_in_submitted = attempt(1, SUBMITTED)
    assert to_grade([late, graded_latest_in_submitted], {key(latest)}, latest.submitted_at) == [
        late,
        graded_latest_in_submitted,
    ]
    # A failed attempt waits for the next run; the others go on.
    assert to_grade([one, two, three], set(), None, skip={key(two)}) == [one, three]


def test_a_grading_that_takes_too_long_is_stopped_and_reported(released_course, tmp_path):
    """Is a submission that takes longer than GradeSettings.job_timeout stopped and reported, and graded at the next run?"""
    import io

    from canhgiac.grade import GradeSettings, grade_course

    course = copy_course(released_course, tmp_path / "course")
    _submit(course, "CB001", "intro", "all", 0)
    result = grade_course(
        Course(course), jobs=1, settings=GradeSettings(job_timeout=1.0), stream=io.StringIO()
    )
    assert [(f.learner, f.assignment) for f in result.failed] == [("CB001", "intro")]
    assert "quá 1 giây" in result.failed[0].reason
    assert recorded(course) == ([], [])  # graded at the next run, as after a killed run
