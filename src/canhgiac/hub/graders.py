"""`canhgiac hub graders`: grading as submissions arrive, by any number of graders on any number of machines.

Each grader claims work from the queue in the course's database
(canhgiac.course.queue: `FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional
UPDATE on SQLite, a lease it renews while it works) and grades it with the
workers of `canhgiac grade` (nbgrader's own autograde), `jobs` at a time.  No
file lock: graders on two machines share only the database (and the course
folder the attempts are in).  A grader killed mid-job stops renewing its
lease; once it has run out another grader grades that quiz again, and since an
attempt counts as graded only when its scores are recorded, in one
transaction, nothing is lost and nothing is counted twice.

After a batch, each graded attempt's feedback is kept for the learner's results
(canhgiac_attempt_feedback), a failure for the learner and the trainers
(canhgiac_grading_failure), and the certificates folder is brought up to date
when someone passed the final test, so learners can download theirs.

Attempts that arrive as files (`canhgiac collect`) are found by a scan of the
course folder at start and every `scan_seconds`.
"""

import json
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, select

from canhgiac.course import Course
from canhgiac.course import queue as work
from canhgiac.course.attempts import find_attempts, learners_and_assignments
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.course.tables import metadata
from canhgiac.grade import grade_course
from canhgiac.grade.database import wait_for_sqlite_locks


@dataclass(frozen=True)
class GraderSettings:
    jobs: int = 2
    lease_seconds: float = 60.0
    poll_seconds: float = 1.0
    scan_seconds: float = 300.0


def certificates_folder(course: Course) -> Path:
    from canhgiac.hub.accounts import hub_folder

    return hub_folder(course) / "chung-nhan"


def scan(course: Course, engine) -> int:
    """Ask for grading of every learner's quiz that has an attempt not graded yet; how many."""
    with engine.connect() as conn:
        graded = {
            (learner, assignment, when)
            for learner, assignment, when in conn.execute(
                select(attempt_table.c.learner_id, attempt_table.c.assignment, attempt_table.c.submitted_at)
            )
        }
    asked = 0
    for learner, assignment in sorted(learners_and_assignments(course.root)):
        attempts = find_attempts(course.root, learner, assignment)
        if any((a.learner, a.assignment, a.submitted_at) not in graded for a in attempts):
            work.request_grading(engine, learner, assignment)
            asked += 1
    return asked


class Grader:
    def __init__(self, course: Course, settings: GraderSettings, log=None):
        self.course = course
        self.settings = settings
        self.name = work.grader_name()
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.engine = create_engine(course.db_url, future=True)
        metadata.create_all(self.engine)
        self.stopping = threading.Event()
        self.log = log or (lambda data: print(json.dumps(data, ensure_ascii=False), flush=True))

    def _heartbeat(self) -> None:
        while not self.stopping.wait(self.settings.lease_seconds / 3):
            try:
                work.renew(self.engine, self.name, self.lease)
            except Exception as exc:  # the database away for a moment: try again at the next beat
                print(f"Không gia hạn được việc chấm: {exc}", file=sys.stderr)

    def _after(self, result, claims) -> None:
        from canhgiac.certificates import CertificateSettingsMissing, write_certificates

        rules = self.course.rules
        passed_final = False
        with self.engine.begin() as conn:
            for graded in result.graded:
                questions = work.autograded_feedback(
                    self.course.root, graded.learner, graded.assignment, graded.submitted_at
                )
                key = {
                    "learner_id": graded.learner,
                    "assignment": graded.assignment,
                    "submitted_at": graded.submitted_at,
                }
                conn.execute(
                    work.feedback.delete().where(
                        work.feedback.c.learner_id == graded.learner,
                        work.feedback.c.assignment == graded.assignment,
                        work.feedback.c.submitted_at == graded.submitted_at,
                    )
                )
                conn.execute(
                    work.feedback.insert().values(
                        **key, questions=json.dumps(questions or [], ensure_ascii=False)
                    )
                )
                work.clear_failure(conn, graded.learner, graded.assignment, graded.submitted_at)
                if graded.assignment == rules.final_assignment and rules.passes(
                    graded.score, graded.max_score
                ):
                    passed_final = True
            for failed in result.failed:
                work.record_failure(
                    conn, failed.learner, failed.assignment, failed.submitted_at, failed.reason
                )
        for graded in result.graded:
            self.log(
                {
                    "graded": graded.learner,
                    "assignment": graded.assignment,
                    "submitted_at": graded.submitted_at.isoformat(),
                    "score": graded.score,
                    "max_score": graded.max_score,
                    "grader": self.name,
                }
            )
        for failed in result.failed:
            self.log({"failed": failed.learner, "assignment": failed.assignment, "reason": failed.reason})
        if passed_final:
            try:
                write_certificates(self.course, certificates_folder(self.course))
            except CertificateSettingsMissing as missing:
                # Certificates wait for the trainer's settings (issuer, place): grading goes on,
                # and `canhgiac certificates` or the next pass writes them once they are set.
                self.log({"certificates": "chưa cấp", "reason": str(missing)})

    def run_once(self) -> int:
        """Claim, grade and finish one batch; how many claims there were."""
        claims = work.claim(self.engine, self.name, self.lease, self.settings.jobs)
        if not claims:
            return 0
        keys = {(c.learner, c.assignment) for c in claims}
        self.log(
            {
                "claimed": sorted(f"{learner}/{assignment}" for learner, assignment in keys),
                "grader": self.name,
            }
        )
        result = grade_course(
            self.course, jobs=min(self.settings.jobs, len(keys)), only=keys, exclusive=False
        )
        self._after(result, claims)
        for done in claims:
            work.finish(self.engine, self.name, done)
        return len(claims)

    def run(self) -> None:
        """Grade until stopped (Ctrl+C or SIGTERM): what was being graded is let go, to be graded again."""
        wait_for_sqlite_locks()
        beat = threading.Thread(target=self._heartbeat, daemon=True)
        beat.start()
        next_scan = 0.0
        self.log({"ready": self.name})
        try:
            while not self.stopping.is_set():
                if time.monotonic() >= next_scan:
                    scan(self.course, self.engine)
                    next_scan = time.monotonic() + self.settings.scan_seconds
                if not self.run_once():
                    self.stopping.wait(self.settings.poll_seconds)
        finally:
            self.stopping.set()
            try:
                work.release_all(self.engine, self.name)
            finally:
                self.engine.dispose()
