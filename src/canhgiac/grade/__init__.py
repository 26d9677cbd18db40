"""`canhgiac grade`: every new submission autograded by nbgrader, in parallel, each attempt recorded once.

What grades is nbgrader's own autograde (the AutogradeApp and its Autograde
converter, with the course's configuration), as `nbgrader autograde
<assignment> --student <learner> --force` would: so the grades are those of a
serial `nbgrader autograde`.  What is added:

- Parallel: N grading processes (canhgiac.grade.worker, one per core by
  default) each grade one submission after another.  A process is kept
  between submissions, since starting nbgrader costs more than grading a quiz.
- One gradebook, several writers.  On SQLite, every connection waits up to a
  minute for the write lock (canhgiac.grade.database), and a submission that
  still fails with "database is locked" is graded again; each grading writes
  only its own submission's rows, so the order does not change any grade.  On
  PostgreSQL, rows are locked, not the database.
- Each attempt once.  After nbgrader has graded a submission, its questions'
  scores are copied into canhgiac_attempt / canhgiac_attempt_grade in one
  transaction, keyed by (learner, assignment, submission time).  An attempt
  is graded when, and only when, that row exists: a run killed at any point
  (even with `kill -9` in the middle of nbgrader writing) leaves the attempt
  ungraded, and the next run grades it again with --force, which rewrites
  every grade of that submission.  Nothing is counted twice.
- Attempts in order.  Attempts that `canhgiac collect` queued in pending/
  are graded oldest first, each moved into submitted/ in turn (graded ones
  move to attempts/), so nbgrader's gradebook ends with the latest attempt.
  The layout is in canhgiac.course.attempts.
- A bad submission never stops the batch: it is reported with the reason and
  graded again at the next run; a tampered notebook (grading cells edited or
  deleted, which nbgrader restores) is graded and listed as needing a look.

- Beside the hosted graders.  A run takes, through the course's grading
  queue (canhgiac.course.queue), the lease of each learner's quiz it grades
  and leaves alone the ones a hosted grader (`canhgiac hub graders`) holds,
  saying which.  The hosted graders use the same GradingSession, kept open
  for as long as they run.

Settings (jobs, timeouts, retries) are GradeSettings, in nbgrader_config.py.
"""

__all__ = ["GradeResult", "GradeSettings", "grade_course"]


def __getattr__(name: str):
    # Imported when asked for: the kernel's jail (`python -m canhgiac.grade.jail`, once per
    # kernel) is in this package and must not pay for nbgrader's and SQLAlchemy's imports.
    if name in ("GradeResult", "grade_course"):
        from canhgiac.grade import run

        return getattr(run, name)
    if name == "GradeSettings":
        from canhgiac.grade.settings import GradeSettings

        return GradeSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
