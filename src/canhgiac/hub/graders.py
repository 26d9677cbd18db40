"""`canhgiac hub graders`: grading as submissions arrive, by any number of graders on any number of machines.

Each grader claims work from the queue in the course's database
(canhgiac.course.queue: `FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional
UPDATE on SQLite, a lease it renews while it works) and grades it with the
workers of `canhgiac grade` (nbgrader's own autograde, each kernel in the
jail), `jobs` at a time.  No file lock: graders on two machines share only the
database (and the course folder the attempts are in).  A grader killed
mid-job stops renewing its lease; once it has run out another grader grades
that quiz again, and since an attempt counts as graded only when its scores
are recorded, in one transaction, nothing is lost and nothing is counted twice.

A grader is one long grading session (canhgiac.grade.run.GradingSession):

- its nbgrader workers start once (nbgrader imported, AutogradeApp
  initialised) and its jail is probed once; a worker that dies is replaced;
- a worker that goes idle makes the grader claim the next learner's quiz at
  once (one claim per idle worker: no batch waits for its slowest job);
- what a claim reads is that learner's quiz only (its graded attempts, its
  submission in nbgrader's gradebook, its folders), whatever the course's size;
- new work is found by polling the queue every `poll_seconds` and, on
  PostgreSQL, at once: the course service's request sends a NOTIFY
  (canhgiac.course.queue) that wakes the grader up.

As soon as an attempt is graded, its feedback is kept for the learner's
results (canhgiac_attempt_feedback), a failure for the learner and the
trainers (canhgiac_grading_failure); once a learner's final test is graded,
that learner's certificate is written (or removed), and no other.

Attempts that arrive as files (`canhgiac collect`) are found by a scan of the
course folder at start and every `scan_seconds`, beside the grading.

With `health_port`, GET /health answers 200 when the database answers and the
workers are alive, 503 otherwise (for readiness and liveness probes).
"""

import json
import select as select_module
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from canhgiac.course import Course
from canhgiac.course import queue as work
from canhgiac.course.attempts import find_attempts, learners_and_assignments
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.course.tables import create_tables
from canhgiac.grade.database import wait_for_sqlite_locks
from canhgiac.grade.settings import GradeSettings

# The main loop must have gone round within this many seconds for the grader to be healthy.
STUCK_SECONDS = 120.0


@dataclass(frozen=True)
class GraderSettings:
    jobs: int = 2
    lease_seconds: float = 60.0
    poll_seconds: float = 0.5
    scan_seconds: float = 300.0
    health_port: int | None = None  # GET /health on this port (0: any free port, logged)
    health_host: str = "0.0.0.0"  # all interfaces: Kubernetes' probes come to the pod's address


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
        self.engine = create_engine(course.db_url, future=True, pool_pre_ping=True)
        create_tables(self.engine)
        self.stopping = threading.Event()
        self.log = log or self._print
        self.session = None
        self.claims: dict[tuple[str, str], work.Claim] = {}
        self.tick = time.monotonic()
        self.health_server: ThreadingHTTPServer | None = None
        # What follows a graded final (the learner's certificate), one at a time beside the loop.
        self.after = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chung-nhan")

    @staticmethod
    def _print(data: dict) -> None:
        """One JSON line per event, with its time (UTC), for the operator's log."""
        at = {"at": datetime.now(UTC).isoformat(timespec="milliseconds")}
        print(json.dumps(data | at, ensure_ascii=False), flush=True)

    # Around the grading.

    def _heartbeat(self) -> None:
        while not self.stopping.wait(self.settings.lease_seconds / 3):
            try:
                work.renew(self.engine, self.name, self.lease)
            except Exception as exc:  # the database away for a moment: try again at the next beat
                print(f"Không gia hạn được việc chấm: {exc}", file=sys.stderr)

    def _scanner(self) -> None:
        """Attempts that came as files (`canhgiac collect`): asked for at start, then every scan_seconds."""
        while not self.stopping.is_set():
            try:
                if scan(self.course, self.engine) and self.session is not None:
                    self.session.wake()
            except Exception as exc:  # the next scan tries again
                print(f"Không quét được thư mục khóa học: {exc}", file=sys.stderr)
            self.stopping.wait(self.settings.scan_seconds)

    def _listener(self) -> None:
        """On PostgreSQL: wake the grading loop up as soon as a grading is asked for (LISTEN)."""
        while not self.stopping.is_set():
            try:
                raw = self.engine.raw_connection()
            except Exception:
                self.stopping.wait(5)
                continue
            try:
                connection = raw.driver_connection
                connection.autocommit = True
                cursor = connection.cursor()
                cursor.execute(f"LISTEN {work.CHANNEL}")
                while not self.stopping.is_set():
                    readable, _, _ = select_module.select([connection], [], [], 1.0)
                    if not readable:
                        continue
                    if hasattr(connection, "poll"):  # psycopg2
                        connection.poll()
                        heard = bool(connection.notifies)
                        connection.notifies.clear()
                    else:  # psycopg 3
                        heard = any(True for _ in connection.notifies(timeout=0, stop_after=100))
                    if heard and self.session is not None:
                        self.session.wake()
            except Exception as exc:  # the connection lost: listen again (the poll covers the gap)
                print(f"Ngừng nghe thông báo việc chấm: {exc}", file=sys.stderr)
                self.stopping.wait(1)
            finally:
                try:
                    raw.invalidate()
                except Exception:
                    pass

    # What each graded attempt leaves for the learner.

    def _graded(self, graded) -> None:
        questions = work.autograded_feedback(
            self.course.root, graded.learner, graded.assignment, graded.submitted_at
        )
        with self.engine.begin() as conn:
            conn.execute(
                work.feedback.delete().where(
                    work.feedback.c.learner_id == graded.learner,
                    work.feedback.c.assignment == graded.assignment,
                    work.feedback.c.submitted_at == graded.submitted_at,
                )
            )
            conn.execute(
                work.feedback.insert().values(
                    learner_id=graded.learner,
                    assignment=graded.assignment,
                    submitted_at=graded.submitted_at,
                    questions=json.dumps(questions or [], ensure_ascii=False),
                )
            )
            work.clear_failure(conn, graded.learner, graded.assignment, graded.submitted_at)
        self.log(
            {
                "graded": graded.learner,
                "assignment": graded.assignment,
                "submitted_at": graded.submitted_at.isoformat(),
                "score": graded.score,
                "max_score": graded.max_score,
                "seconds": round(graded.seconds, 3),
                "grader": self.name,
            }
        )

    def _failed(self, failed) -> None:
        with self.engine.begin() as conn:
            work.record_failure(conn, failed.learner, failed.assignment, failed.submitted_at, failed.reason)
        self.log({"failed": failed.learner, "assignment": failed.assignment, "reason": failed.reason})

    def _done(self, key: tuple[str, str]) -> None:
        """A claimed quiz has nothing left to grade: its learner's certificate if it is the final, then finish.

        The certificate (a tenth of a second or more) is written beside the loop, which meanwhile
        gives the workers their next jobs; the claim is finished after it, so a grader killed in
        between leaves the quiz to be taken again, and its certificate written then.
        """
        learner, assignment = key
        claim = self.claims.pop(key, None)
        if assignment == self.course.rules.final_assignment:
            self.after.submit(self._certificate_then_finish, learner, claim)
        else:
            self._finish(claim)

    def _finish(self, claim) -> None:
        if claim is not None and not work.finish(self.engine, self.name, claim):
            self.log({"lease_lost": f"{claim.learner}/{claim.assignment}", "grader": self.name})

    def _certificate_then_finish(self, learner: str, claim) -> None:
        try:
            self._certificate(learner)
        except Exception as exc:  # never the grading's end: the next final graded tries again
            self.log({"certificate": learner, "problem": f"{type(exc).__name__}: {exc}"})
        self._finish(claim)

    def _certificate(self, learner: str) -> None:
        from canhgiac.certificates import CertificateSettingsMissing, write_certificate
        from canhgiac.errors import DataError

        try:
            written = write_certificate(self.course, certificates_folder(self.course), learner)
        except CertificateSettingsMissing as missing:
            # Certificates wait for the trainer's settings (issuer, place): grading goes on,
            # and `canhgiac certificates` or the next final graded writes them once they are set.
            self.log({"certificates": "chưa cấp", "reason": str(missing)})
        except DataError as problem:
            self.log({"certificate": learner, "problem": str(problem)})
        else:
            if written.change != "none":
                self.log({"certificate": learner, "change": written.change})

    # The loop.

    def _claim(self) -> int:
        free = self.session.idle_workers()
        if free <= 0:
            return 0
        claims = work.claim(self.engine, self.name, self.lease, free)
        if not claims:
            return 0
        keys = [(c.learner, c.assignment) for c in claims]
        self.claims.update(zip(keys, claims, strict=True))
        self.log(
            {
                "claimed": sorted(f"{learner}/{assignment}" for learner, assignment in keys),
                "grader": self.name,
            }
        )
        self.session.load(keys)
        self.session.add(keys)
        return len(claims)

    def healthy(self) -> tuple[bool, dict]:
        """Does the database answer, are the workers alive and the loop going round?"""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            database = True
        except Exception:
            database = False
        session = self.session
        workers = bool(session is not None and session.opened and session.ready_once and session.alive())
        looping = time.monotonic() - self.tick < max(STUCK_SECONDS, 4 * self.settings.poll_seconds)
        state = {"database": database, "workers": workers, "loop": looping, "grader": self.name}
        return database and workers and looping and not self.stopping.is_set(), state

    def _serve_health(self) -> None:
        grader = self

        class Health(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                if self.path.split("?")[0] != "/health":
                    self.send_error(404)
                    return
                ok, state = grader.healthy()
                body = json.dumps({"status": "ok" if ok else "loi", **state}).encode()
                self.send_response(200 if ok else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # probes every few seconds: not in the grader's log
                pass

        self.health_server = ThreadingHTTPServer(
            (self.settings.health_host, self.settings.health_port), Health
        )
        self.health_server.daemon_threads = True
        self.log({"health": self.health_server.server_address[1]})
        threading.Thread(target=self.health_server.serve_forever, daemon=True).start()

    def run(self) -> None:
        """Grade until stopped (Ctrl+C or SIGTERM): what was being graded is let go, to be graded again."""
        from canhgiac.grade.run import GradingSession

        wait_for_sqlite_locks()
        if self.settings.health_port is not None:
            self._serve_health()
        try:
            with self.course.gradebook() as gradebook:
                self.session = GradingSession(
                    self.course,
                    gradebook,
                    self.course.settings(GradeSettings),
                    workers=self.settings.jobs,
                    keep_workers=True,
                    keep_results=False,
                    on_graded=self._graded,
                    on_failed=self._failed,
                    on_done=self._done,
                )
                self.session.open()
                threads = [self._heartbeat, self._scanner]
                if self.engine.dialect.name == "postgresql":
                    threads.append(self._listener)
                for target in threads:
                    threading.Thread(target=target, daemon=True).start()
                self.log({"ready": self.name})
                try:
                    while not self.stopping.is_set():
                        self.tick = time.monotonic()
                        try:
                            claimed = self._claim()
                        except DBAPIError as exc:  # the database away for a moment: /health says so
                            self.log({"database": "không trả lời", "reason": str(exc.orig)[:300]})
                            claimed = 0
                            self.stopping.wait(max(1.0, self.settings.poll_seconds))
                        self.session.step(0 if claimed else self.settings.poll_seconds)
                finally:
                    self.stopping.set()
                    self.session.close(kill=True)
                    self.after.shutdown(wait=True)  # certificates in hand written, their claims finished
        finally:
            self.stopping.set()
            if self.health_server is not None:
                self.health_server.shutdown()
            try:
                work.release_all(self.engine, self.name)
            finally:
                self.engine.dispose()
