"""One grading worker: nbgrader's own autograde, run for one submission after another in one process.

`canhgiac grade` starts N of these (`python -m canhgiac.grade.worker`, in the
course folder) and sends each a job per line on stdin, `{"assignment": ...,
"learner": ..., "submitted_directory": ..., "jail": ..., "kernels_folder": ...}`;
the worker answers each with one line on the protocol stream, `{"ok": bool,
"log": ..., "error": ...}`.  The submitted directory is the attempt's stage
(canhgiac.grade.stage: the released notebook with the learner's answers), and
the kernels start in the jail (canhgiac.grade.kernel, canhgiac.grade.jail).

What grades is exactly what `nbgrader autograde <assignment> --student
<learner> --force` runs: nbgrader's AutogradeApp reads the same configuration
files, and its Autograde converter sanitizes, executes (a fresh kernel per
notebook) and saves the grades.  Only the process is kept between jobs: a new
`nbgrader` process costs about 1.7 s of imports and start-up, more than the
grading itself (about 1.3 s), which would cancel what two cores gain.
"""

import json
import os
import sys

from canhgiac.grade.database import wait_for_sqlite_locks


def _protocol_stream():
    """The real stdout, for results only; whatever else writes to stdout goes to stderr instead."""
    stream = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def _sandboxed(app, policy: str, kernels_folder: str) -> None:
    """Autograde with SandboxedExecute instead of nbgrader's Execute: its kernels start in the jail."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from canhgiac.grade.kernel import SandboxedExecute

    configured = (
        app.config.Autograde.get("autograde_preprocessors") or Autograde.autograde_preprocessors.default()
    )
    app.config.Autograde.autograde_preprocessors = [
        SandboxedExecute if p in (Execute, "nbgrader.preprocessors.Execute") else p for p in configured
    ]
    app.config.SandboxedKernelManager.jail_policy = policy
    app.config.SandboxedKernelManager.kernels_folder = kernels_folder


def main() -> int:
    protocol = _protocol_stream()
    wait_for_sqlite_locks()

    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.converters import Autograde
    from nbgrader.utils import capture_log

    app = AutogradeApp()
    # As `nbgrader autograde --force` run in the course folder: the same configuration files.
    app.initialize(["--force"])
    jail = None
    protocol.write(json.dumps({"ready": True}) + "\n")

    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        app.coursedir.assignment_id = job["assignment"]
        app.coursedir.student_id = job["learner"]
        app.coursedir.submitted_directory = job.get("submitted_directory", "submitted")
        if "kernels_folder" in job and jail != (job["jail"], job["kernels_folder"]):
            jail = (job["jail"], job["kernels_folder"])
            _sandboxed(app, *jail)
        converter = Autograde(coursedir=app.coursedir, parent=app)
        converter.force = True
        result = capture_log(converter)
        protocol.write(
            json.dumps(
                {
                    "ok": bool(result["success"]),
                    "log": result.get("log", ""),
                    "error": result.get("error", ""),
                },
                ensure_ascii=False,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
