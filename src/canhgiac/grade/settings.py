"""The settings of `canhgiac grade`, set in the course's nbgrader_config.py like nbgrader's own.

c.GradeSettings.jobs = 4
c.GradeSettings.job_timeout = 600
"""

import os

from traitlets import Float, Int
from traitlets.config import Configurable


def cores() -> int:
    """The cores this process may use (a container or `taskset` may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """One grader per core, plus one.

    Each grader waits for its kernel at every cell (and while a kernel starts),
    so with exactly one per core a core sits idle part of the time: measured on
    2 cores (benchmarks/grading.py, 40 submissions), 2 graders were 1.72 times
    faster than serial `nbgrader autograde`, 3 graders 1.83 times.
    """
    return cores() + 1


class GradeSettings(Configurable):
    """How `canhgiac grade` shares the work out."""

    jobs = Int(
        0,
        min=0,
        help=(
            "How many submissions are graded at the same time, each by its own nbgrader process "
            "and kernel; 0 means one per core plus one. `--jobs N` on the command line wins."
        ),
    ).tag(config=True)

    job_timeout = Float(
        600.0,
        min=1.0,
        help=(
            "Seconds one submission may take before its grading is stopped and reported as failed. "
            "A quiz takes about 2 s; nbgrader's own Execute.timeout (60 s a cell) stops a stuck cell first."
        ),
    ).tag(config=True)

    startup_timeout = Float(
        180.0,
        min=1.0,
        help="Seconds a grading process may take to start (import nbgrader, read the configuration).",
    ).tag(config=True)

    lock_retries = Int(
        5,
        min=0,
        help=(
            "How many times a submission is graded again when it failed only because the SQLite "
            "gradebook was busy (grading again gives the same grades)."
        ),
    ).tag(config=True)

    def workers(self, requested: int | None) -> int:
        """The number of graders: `--jobs`, else this setting, else one per core plus one."""
        return max(1, requested or self.jobs or default_workers())
