"""`canhgiac grade`: every new attempt autograded by nbgrader, N at a time, its scores recorded once."""

import fcntl
import os
import queue
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from nbgrader.api import Gradebook, InvalidEntry, MissingEntry
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from canhgiac.course import Course
from canhgiac.course.attempts import (
    Attempt,
    AttemptKey,
    find_attempts,
    is_file_dated,
    learners_and_assignments,
)
from canhgiac.course.tables import learner as learner_table
from canhgiac.errors import CourseBusy, DataError, ToolFailed
from canhgiac.grade.database import is_lock_error, wait_for_sqlite_locks
from canhgiac.grade.jail import Policy, hidden_folders, probe
from canhgiac.grade.plan import Key, bring_to_submitted, pin_untimed, to_grade
from canhgiac.grade.pool import Message, Pool, Worker
from canhgiac.grade.progress import Progress
from canhgiac.grade.record import NotGraded, gradebook_times, graded_keys, question_scores, record_attempt
from canhgiac.grade.review import failure_reason, review_notes
from canhgiac.grade.settings import GradeSettings
from canhgiac.grade.stage import Staged, check_place, remove_stages, stage, unstage
from canhgiac.quiz.answers import load_answers
from canhgiac.untrusted import Refused, name_problem, shown

LOCK_FILE = ".canhgiac-grade.lock"
# Where PostgreSQL keeps its Unix sockets and data on Debian: a kernel in no network could still reach those.
POSTGRES_FOLDERS = ("/run/postgresql", "/var/run/postgresql", "/var/lib/postgresql")
# How often the loop wakes up to look for a grading that takes too long.
TICK_SECONDS = 1.0


class GradingBusy(CourseBusy):
    """Another `canhgiac grade` is grading this course."""


@dataclass(frozen=True)
class Graded:
    learner: str
    assignment: str
    submitted_at: datetime
    score: float
    max_score: float
    regraded: bool  # graded before; graded again so that nbgrader's gradebook ends with the latest attempt
    notes: tuple[str, ...] = ()
    file_dated: bool = False  # its time is the date of the file received, not when the learner saved
    later: datetime | None = None  # a later attempt of the same quiz was graded before this one came
    latest: datetime | None = None  # the learner's latest attempt at the quiz, once this one was graded
    seconds: float = field(default=0.0, compare=False)  # its worker's time, from the job sent to its answer


@dataclass(frozen=True)
class Failed:
    learner: str
    assignment: str
    submitted_at: datetime
    reason: str


@dataclass
class GradeResult:
    graded: list[Graded] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    lock_retries: int = 0  # gradings done again because the SQLite gradebook was busy
    names: dict[str, str] = field(default_factory=dict)  # full names of the roster, by learner id
    untimed: list[Attempt] = field(
        default_factory=list
    )  # without timestamp.txt: the folder's time, now written
    isolation: Policy | None = None  # the grading kernels' jail, as this machine allowed it; None: not used
    isolation_off: bool = False  # GradeSettings.isolate = False
    held_elsewhere: list[tuple[str, str]] = field(
        default_factory=list
    )  # (learner, quiz) a hosted grader holds

    @property
    def review(self) -> list[Graded]:
        return [g for g in self.graded if g.notes]


# A batch run holds each learner's quiz it grades this long, renewed four times a lease while it runs.
BATCH_LEASE_SECONDS = 120.0
BATCH_HOLDER = "canhgiac-grade:"  # how a batch run's leases are named in the queue


@dataclass(frozen=True)
class _Job:
    key: Key
    attempt: Attempt
    regrade: bool
    staged: Staged
    stage_name: str


@contextmanager
def _only_run(course: Course) -> Iterator[None]:
    """One `canhgiac grade` at a time on a course; the lock goes with the process, even when killed."""
    root = course.root
    with open(root / LOCK_FILE, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GradingBusy(
                f"{root}: một lần chấm khác (canhgiac grade) đang chạy trên khóa học này."
            ) from None
        yield


def _ensure_students(gradebook: Gradebook, learners: set[str]) -> None:
    """Add learners nbgrader does not know yet (a course run with the exchange only) before grading.

    nbgrader would add them itself, but two graders adding the same learner at once would collide.
    """
    for learner in sorted(learners):
        if name_problem(learner):
            continue  # refused when staged, never added to the gradebook
        try:
            gradebook.find_student(learner)
        except MissingEntry:
            try:
                gradebook.add_student(learner)
            except InvalidEntry:  # another grader (a hosted one, on another machine) added them just now
                gradebook.db.rollback()


class GradingSession:
    """Grading processes, their jail and what they grade, for as long as the session lasts.

    A batch `canhgiac grade` is one session over the whole course.  A hosted
    grader (canhgiac.hub.graders) keeps one session for its whole life and
    `add`s each learner's quiz it claims from the queue: its nbgrader workers,
    the folder of the kernels and the jail (probed once) are kept between
    claims, and what it reads for a claim (graded attempts, nbgrader's
    submission, the attempt folders) is that learner's quiz only.

    A learner's quiz (`Key`) is graded by one worker at a time, its attempts
    oldest first.  `on_graded` and `on_failed` are called for each attempt as
    soon as its grading is recorded (or failed); `on_done` once a quiz that was
    added has nothing left to grade in this session.
    """

    def __init__(
        self,
        course: Course,
        gradebook: Gradebook,
        settings: GradeSettings,
        stream: TextIO | None = None,
        verbose: bool = False,
        workers: int = 1,
        keep_workers: bool = False,
        on_graded: Callable[[Graded], None] | None = None,
        on_failed: Callable[[Failed], None] | None = None,
        on_done: Callable[[Key], None] | None = None,
        keep_results: bool = True,
    ):
        self.course = course
        self.verbose = verbose
        self.stream = stream
        self.gradebook = gradebook
        self.settings = settings
        self.wanted_workers = workers
        self.keep_workers = keep_workers  # a hosted grader keeps its workers idle, and replaces one that dies
        self.on_graded, self.on_failed, self.on_done = on_graded, on_failed, on_done
        self.keep_results = keep_results  # a hosted grader reports through the callbacks and keeps nothing
        self.graded: set[AttemptKey] = set()
        self.times: dict[Key, datetime | None] = {}
        self.skip: set[AttemptKey] = set()
        self.tries: Counter = Counter()
        self.result = GradeResult()
        self.count = Counter()  # graded, failed: this session's totals
        self.jail = ""
        self.kernels_folder: Path | None = None
        self.ready: deque[Key] = deque()
        self.total = 0
        self.progress: Progress | None = None
        # This session's stages are its own, whoever else grades in the course folder.
        self.stage_prefix = f"{os.getpid()}-{secrets.token_hex(3)}-"
        self.pool = Pool(self.course)
        self.opened = False
        self.ready_once = False  # a worker started here has been ready: nbgrader can start

    # What to grade.

    def load_course(self) -> list[Key]:
        """Read the whole course's state at once (a batch run); every learner's quiz in the folder."""
        self.graded = graded_keys(self.gradebook)
        self.times = gradebook_times(self.gradebook)
        self.gradebook.db.rollback()  # hold no transaction open while the graders write
        self.result.untimed += pin_untimed(self.course.root, lambda a: check_place(self.course.root, a))
        return sorted(learners_and_assignments(self.course.root))

    def load(self, keys: Iterable[Key]) -> None:
        """Read afresh the state of these learners' quizzes only (graded elsewhere meanwhile, perhaps)."""
        keys = sorted(set(keys))
        for key in keys:
            self.graded = {k for k in self.graded if (k.learner, k.assignment) != key}
            self.skip = {k for k in self.skip if (k.learner, k.assignment) != key}
            self.graded |= graded_keys(self.gradebook, key)
            self.times.pop(key, None)
            self.times.update(gradebook_times(self.gradebook, key))
        self.gradebook.db.rollback()
        self.result.untimed += pin_untimed(self.course.root, lambda a: check_place(self.course.root, a), keys)

    def add(self, keys: Iterable[Key]) -> int:
        """Grade these learners' quizzes (their state loaded); how many attempts that makes."""
        keys = sorted(set(keys) - set(self.ready) - self.in_progress())
        plans = {key: self._plan(key) for key in keys}
        added = [key for key in keys if plans[key]]
        _ensure_students(self.gradebook, {learner for learner, _ in added})
        self.gradebook.db.rollback()
        self.ready.extend(added)
        count = sum(len(plan) for plan in plans.values())
        self.total += count
        for key in keys:
            if not plans[key] and self.on_done is not None:
                self.on_done(key)
        return count

    def forget(self, keys: Iterable[Key]) -> None:
        """Do not grade these after all (another grader holds them)."""
        drop = set(keys)
        self.ready = deque(key for key in self.ready if key not in drop)

    def _plan(self, key: Key) -> list[Attempt]:
        return to_grade(find_attempts(self.course.root, *key), self.graded, self.times.get(key), self.skip)

    def in_progress(self) -> set[Key]:
        return {w.job.key for w in self.pool.workers if w.job is not None}

    def idle_workers(self) -> int:
        """Workers ready for a job that none of the quizzes waiting here will take."""
        return sum(1 for w in self.pool.workers if w.ready and w.job is None) - len(self.ready)

    def busy(self) -> bool:
        return any(w.job is not None for w in self.pool.workers) or bool(self.ready and self.pool.workers)

    @property
    def done(self) -> int:
        return self.count["graded"] + self.count["failed"]

    def _show_progress(self) -> None:
        if self.progress is not None:
            self.progress.update(self.done, self.count["failed"])

    def _again(self, key: Key, first: bool = False) -> None:
        """After one attempt: the quiz waits for its next attempt, or is done."""
        if first:
            self.ready.appendleft(key)
        elif self._plan(key):
            self.ready.append(key)
        elif self.on_done is not None:
            self.on_done(key)

    def _fail(self, attempt: Attempt, reason: str) -> None:
        self.skip.add(attempt.key)
        failed = Failed(attempt.learner, attempt.assignment, attempt.submitted_at, reason)
        if self.keep_results:
            self.result.failed.append(failed)
        self.count["failed"] += 1
        self._show_progress()
        if self.on_failed is not None:
            self.on_failed(failed)

    # The workers.

    def _dispatch(self, worker: Worker) -> None:
        """Give an idle worker the next attempt of a learner's quiz that has one."""
        while self.ready and worker.job is None:
            key = self.ready.popleft()
            plan = self._plan(key)
            if not plan:
                if self.on_done is not None:
                    self.on_done(key)
                continue
            try:
                target = bring_to_submitted(self.course.root, plan[0], self.graded)
            except OSError as exc:
                self._fail(plan[0], f"không chuyển được bài nộp vào submitted/ ({exc.strerror})")
                self._again(key)
                continue
            stage_name = f"{self.stage_prefix}{worker.number}"
            try:
                staged = stage(self.course.root, target, stage_name)
            except (Refused, OSError) as exc:
                self._fail(
                    target,
                    str(exc)
                    if isinstance(exc, Refused)
                    else f"không chuẩn bị được bài để chấm ({exc.strerror})",
                )
                self._again(key)
                continue
            regrade = target.key in self.graded
            payload = {
                "assignment": key[1],
                "learner": key[0],
                "submitted_directory": staged.submitted_directory,
            }
            if self.kernels_folder is not None:
                payload |= {"jail": self.jail, "kernels_folder": str(self.kernels_folder)}
            worker.send(_Job(key, target, regrade, staged, stage_name), payload, time.monotonic())

    def _finished(self, worker: Worker, data: dict) -> None:
        job: _Job | None = worker.job
        if job is None or worker not in self.pool.workers:
            return  # the answer of a worker stopped for taking too long: its job is counted as failed
        worker.job = None
        seconds = time.monotonic() - worker.started
        loaded = load_answers(job.staged.folder)
        answers_problem = job.staged.answers_problem or loaded.file_problem
        if not answers_problem and loaded.question_problems:
            answers_problem = "; ".join(
                f"câu {shown(q, 40)}: {p.rstrip('.')}"
                for q, p in sorted(loaded.question_problems.items())[:3]
            )
        unstage(self.course.root, job.stage_name)
        attempt = job.attempt
        text = f"{data.get('error', '')}\n{data.get('log', '')}"
        if self.verbose and text.strip():
            # nbgrader's own log, in English, for whoever asked for it (--verbose).
            out = self.stream or sys.stderr
            out.write(f"\n--- nbgrader: {attempt.learner} / {attempt.assignment}\n{text.strip()}\n")
        attempt_key = attempt.key
        if not data.get("ok"):
            if is_lock_error(text) and self.tries[attempt_key] < self.settings.lock_retries:
                self.tries[attempt_key] += 1
                self.result.lock_retries += 1
                self._again(job.key, first=True)  # graded again: the same grades, once the database is free
                return
            self._fail(attempt, failure_reason(data.get("error", ""), data.get("log", "")))
            self._again(job.key)
            return
        file_dated = is_file_dated(attempt.folder)
        try:
            scores = question_scores(self.gradebook, *attempt_key)
            notes = [*job.staged.notes, *review_notes(data.get("log", ""))]
            if any(s.needs_manual_grade for s in scores):
                notes.append("có câu nbgrader đánh dấu cần chấm tay")
            if answers_problem:
                notes.append(f"answers.json: {answers_problem}")
            record_attempt(self.gradebook, *attempt_key, scores, file_dated=file_dated, notes=tuple(notes))
        except NotGraded as exc:
            self._fail(attempt, str(exc))
            self._again(job.key)
            return
        except OperationalError as exc:  # the gradebook busy or gone: not recorded, so graded at the next run
            self._fail(attempt, f"không ghi được vào sổ điểm ({type(exc.orig).__name__}: {exc.orig})")
            self._again(job.key)
            return
        found = [a.submitted_at for a in find_attempts(self.course.root, *job.key)]
        later = [t for t in found if t > attempt.submitted_at and (*job.key, t) in self.graded]
        latest = max(found, default=attempt.submitted_at)
        self.graded.add(attempt_key)
        self.times[job.key] = attempt.submitted_at
        graded = Graded(
            attempt.learner,
            attempt.assignment,
            attempt.submitted_at,
            sum(s.score for s in scores),
            sum(s.max_score for s in scores),
            job.regrade,
            tuple(notes),
            file_dated=file_dated,
            later=None if job.regrade or not later else max(later),
            latest=latest,
            seconds=seconds,
        )
        if self.keep_results:
            self.result.graded.append(graded)
        self.count["graded"] += 1
        self._show_progress()
        if self.on_graded is not None:
            self.on_graded(graded)
        self._again(job.key)

    def _ended(self, worker: Worker) -> None:
        """A worker stopped: its job failed; another worker takes its place while there is work."""
        if worker not in self.pool.workers:
            return  # retired already (stopped for taking too long), and replaced then
        self.pool.retire(worker)
        if worker.job is not None:
            job, worker.job = worker.job, None
            unstage(self.course.root, job.stage_name)
            self._fail(job.attempt, f"tiến trình chấm bài dừng đột ngột: {worker.why_it_ended()}")
            self._again(job.key)
        elif not worker.ready and not (self.keep_workers and self.ready_once):
            # nbgrader cannot start at all here (a hosted grader's worker that once started is replaced).
            raise ToolFailed(
                f"{self.course.root}: không khởi động được nbgrader để chấm bài: {worker.why_it_ended()}"
            )
        if self.ready or self.keep_workers:
            self.pool.start()

    def _check_time(self) -> None:
        now = time.monotonic()
        for worker in list(self.pool.workers):
            limit = self.settings.job_timeout if worker.job is not None else self.settings.startup_timeout
            if (worker.job is not None or not worker.ready) and now - worker.started > limit:
                job, worker.job = worker.job, None
                self.pool.retire(worker, kill=True)
                if job is None:
                    raise ToolFailed(f"{self.course.root}: nbgrader không khởi động được sau {limit:g} giây")
                unstage(self.course.root, job.stage_name)
                self._fail(job.attempt, f"chấm quá {limit:g} giây nên đã dừng (GradeSettings.job_timeout)")
                self._again(job.key)
                self.pool.start()

    def open(self, workers: int | None = None) -> None:
        """Start the workers and, while they start, find the jail this machine allows."""
        for _ in range(workers or self.wanted_workers):
            self.pool.start()
        remove_stages(self.course.root, self.stage_prefix)  # what killed runs left
        self._prepare_kernels()
        self.opened = True

    def alive(self) -> bool:
        """Are all its workers running (a hosted grader's health)?"""
        return len(self.pool.workers) >= self.wanted_workers and all(
            w.process.poll() is None for w in self.pool.workers
        )

    def step(self, timeout: float = TICK_SECONDS) -> None:
        """Wait up to `timeout` for a worker's message (or `wake`), handle every one there is, then dispatch."""
        try:
            message = self.pool.messages.get(timeout=timeout)
        except queue.Empty:
            message = None
        while message is not None:
            worker = message.worker
            if worker is None:
                pass  # woken up: new work to claim
            elif message.data is None:
                self._ended(worker)
            elif message.data.get("ready"):
                worker.ready = self.ready_once = True
            else:
                self._finished(worker, message.data)
            try:
                message = self.pool.messages.get_nowait()
            except queue.Empty:
                message = None
        self._check_time()
        for idle in [w for w in self.pool.workers if w.ready and w.job is None]:
            self._dispatch(idle)

    def wake(self) -> None:
        """Make a `step` waiting for messages return now (from another thread: new work is there)."""
        self.pool.messages.put(Message(None, {"wake": True}))

    def close(self, kill: bool = False) -> None:
        for worker in list(self.pool.workers):
            if kill:
                self.pool.retire(worker, kill=True)
        self.pool.close()
        remove_stages(self.course.root, self.stage_prefix, older_than=float("inf"))
        if self.kernels_folder is not None:
            shutil.rmtree(self.kernels_folder, ignore_errors=True)

    def run(self) -> GradeResult:
        """Grade everything added, then stop the workers (a batch run)."""
        if not self.ready:
            return self.result
        self.progress = Progress(self.total, self.stream)
        self.progress.update(0)
        try:
            self.open(min(self.wanted_workers, len(self.ready)))
            while self.busy():
                self.step()
        except BaseException:
            self.close(kill=True)
            raise
        finally:
            self.progress.finish()
        self.close()
        return self.result

    def _prepare_kernels(self) -> None:
        """A folder for the kernels' working folders, and the strongest jail this machine allows."""
        self.kernels_folder = Path(tempfile.mkdtemp(prefix="canhgiac-kernels-"))
        self.kernels_folder.chmod(0o711)  # a kernel can enter its own folder, not list the others
        if not self.settings.isolate:
            self.result.isolation_off = True
            return
        wanted = [self.course.root, Path.home(), *map(Path, ("/home", "/root", "/srv", *POSTGRES_FOLDERS))]
        hide, keep = hidden_folders([*wanted, *map(Path, self.settings.hidden_folders)], self.kernels_folder)
        policy = Policy(
            hide=hide,
            keep=keep,
            user=self.settings.kernel_user,
            memory_bytes=self.settings.kernel_memory_mb * 1024**2,
            cpu_seconds=self.settings.kernel_cpu_seconds,
        )
        if not any(self.course.root.resolve().is_relative_to(folder) for folder in hide):
            policy = replace(policy, missing=(f"không che được thư mục khóa học {self.course.root}",))
        self.result.isolation = probe(policy, self.kernels_folder)
        self.jail = self.result.isolation.to_json()


def _names(gradebook: Gradebook) -> dict[str, str]:
    return {row.id: row.full_name for row in gradebook.db.execute(select(learner_table))}


def grade_course(
    course: Course,
    jobs: int | None = None,
    settings: GradeSettings | None = None,
    stream: TextIO | None = None,
    verbose: bool = False,
    only: set[Key] | None = None,
    exclusive: bool = True,
) -> GradeResult:
    """Grade every attempt not graded yet, `jobs` at a time (default: one per core).

    `verbose`: nbgrader's own log of each grading goes to `stream` (stderr) too.
    `only`: just these (learner, assignment).

    Beside the hosted graders (canhgiac.hub.graders) a batch run is safe: it
    takes, through the course's grading queue (canhgiac.course.queue), the
    lease of each learner's quiz it is about to grade, renews them while it
    runs, and leaves alone those a hosted grader holds (listed in
    `GradeResult.held_elsewhere`).  Killed, its leases run out and the hosted
    graders grade what it had not finished.  `exclusive=False` skips the
    course's lock file and the leases: for a caller that holds its keys itself.
    """
    settings = settings or course.settings(GradeSettings)
    if not course.root.is_dir():
        raise DataError(f"{course.root}: không có thư mục khóa học này")
    wait_for_sqlite_locks()
    with _only_run(course) if exclusive else nullcontext(), course.gradebook() as gradebook:
        session = GradingSession(course, gradebook, settings, stream, verbose, settings.workers(jobs))
        if only is None:
            keys = session.load_course()
        else:
            keys = sorted(only)
            session.load(keys)
        session.result.names = _names(gradebook)
        gradebook.db.rollback()
        if not exclusive:
            session.add(keys)
            return session.run()
        with _Leases(course, session) as leases:
            keys = leases.hold([key for key in keys if session._plan(key)])
            session.add(keys)
            return session.run()


class _Leases:
    """A batch run's leases in the grading queue: taken before grading, renewed, each let go when done."""

    def __init__(self, course: Course, session: GradingSession) -> None:
        from canhgiac.course import queue as work
        from canhgiac.course.tables import open_engine

        self.work = work
        self.session = session
        self.engine = open_engine(course.db_url)
        self.name = f"{BATCH_HOLDER}{work.grader_name()}"
        self.lease = timedelta(seconds=BATCH_LEASE_SECONDS)
        self.claims: dict[Key, object] = {}
        self.stopping = threading.Event()

    def hold(self, keys: list[Key]) -> list[Key]:
        """Hold what nobody else holds; the rest is for its holder.  Then read the held quizzes afresh."""
        # Leases of an earlier batch run are dead: it would hold the course's lock file otherwise.
        held, busy = self.work.hold(self.engine, self.name, keys, self.lease, dead=BATCH_HOLDER)
        self.claims = {(c.learner, c.assignment): c for c in held}
        self.session.result.held_elsewhere = sorted(busy)
        self.session.load(self.claims)  # graded by a hosted grader between our reading and our lease?
        self.session.on_done = self._done
        return sorted(self.claims)

    def _done(self, key: Key) -> None:
        claim = self.claims.pop(key, None)
        if claim is not None:
            self.work.finish(self.engine, self.name, claim)

    def _beat(self) -> None:
        while not self.stopping.wait(BATCH_LEASE_SECONDS / 4):
            try:
                self.work.renew(self.engine, self.name, self.lease)
            except Exception as exc:  # the database away for a moment: the next beat tries again
                print(f"Không gia hạn được việc chấm: {exc}", file=sys.stderr)

    def __enter__(self) -> "_Leases":
        threading.Thread(target=self._beat, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        try:
            self.work.release_all(self.engine, self.name)  # what was not finished: the hosted graders' now
        finally:
            self.engine.dispose()
