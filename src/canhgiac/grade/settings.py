"""The settings of `canhgiac grade`, set in the course's nbgrader_config.py like nbgrader's own.

c.GradeSettings.jobs = 4
c.GradeSettings.job_timeout = 600
c.GradeSettings.kernel_user = "nobody"
"""

import os

from traitlets import Bool, Float, Int, List, Unicode
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

    isolate = Bool(
        True,
        help=(
            "Start each grading kernel in the jail (canhgiac.grade.jail): no network, the course "
            "folder hidden, an unprivileged user, limits on memory, CPU and processes. What this "
            "machine does not allow is left out, and the summary says so."
        ),
    ).tag(config=True)

    kernel_user = Unicode(
        "nobody",
        help="The unprivileged user the grading kernel runs as, when `canhgiac grade` runs as root.",
    ).tag(config=True)

    kernel_memory_mb = Int(2048, min=256, help="Address space a grading kernel may use, in MB.").tag(
        config=True
    )

    kernel_cpu_seconds = Int(
        120, min=5, help="CPU seconds a grading kernel may use (a quiz needs about one)."
    ).tag(config=True)

    hidden_folders = List(
        Unicode(),
        default_value=[],
        help=(
            "Folders the grading kernel must not see, besides the course folder, home folders, "
            "/srv and PostgreSQL's (for instance where rosters or backups are kept)."
        ),
    ).tag(config=True)
