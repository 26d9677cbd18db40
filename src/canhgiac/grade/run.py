"""`canhgiac grade`: every new attempt autograded by nbgrader, N at a time, its scores recorded once."""

import fcntl
import queue
import shutil
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from nbgrader.api import Gradebook, MissingEntry
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
from canhgiac.grade.pool import Pool, Worker
from canhgiac.grade.progress import Progress
from canhgiac.grade.record import NotGraded, gradebook_times, graded_keys, question_scores, record_attempt
from canhgiac.grade.review import failure_reason, review_notes
from canhgiac.grade.settings import GradeSettings
from canhgiac.grade.stage import STAGE_FOLDER, Staged, check_place, stage, unstage
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

    @property
    def review(self) -> list[Graded]:
        return [g for g in self.graded if g.notes]


@dataclass(frozen=True)
class _Job:
    key: Key
    attempt: Attempt
    regrade: bool
    staged: Staged


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
            gradebook.add_student(learner)


class _Grading:
    """The state of one run: what is graded, what waits, which worker grades what."""

    def __init__(
        self,
        course: Course,
        gradebook: Gradebook,
        settings: GradeSettings,
        stream: TextIO | None,
        verbose: bool = False,
        only: set[Key] | None = None,
    ):
        self.course = course
        self.verbose = verbose
        self.stream = stream
        self.gradebook = gradebook
        self.settings = settings
        self.graded = graded_keys(gradebook)
        self.times = gradebook_times(gradebook)
        gradebook.db.rollback()  # hold no transaction open while the graders write
        self.skip: set[AttemptKey] = set()
        self.tries: Counter = Counter()
        self.result = GradeResult()
        self.result.untimed = pin_untimed(self.course.root, lambda a: check_place(self.course.root, a))
        self.jail = ""
        self.kernels_folder: Path | None = None
        keys = sorted(learners_and_assignments(self.course.root) if only is None else only)
        plans = {key: self._plan(key) for key in keys}
        self.ready: deque[Key] = deque(key for key in keys if plans[key])
        self.total = sum(len(plan) for plan in plans.values())
        self.progress = Progress(self.total, stream)
        self.pool = Pool(self.course)

    def _plan(self, key: Key) -> list[Attempt]:
        return to_grade(find_attempts(self.course.root, *key), self.graded, self.times.get(key), self.skip)

    @property
    def done(self) -> int:
        return len(self.result.graded) + len(self.result.failed)

    def _fail(self, attempt: Attempt, reason: str) -> None:
        self.skip.add(attempt.key)
        self.result.failed.append(Failed(attempt.learner, attempt.assignment, attempt.submitted_at, reason))
        self.progress.update(self.done, len(self.result.failed))

    def _dispatch(self, worker: Worker) -> None:
        """Give an idle worker the next attempt of a learner's quiz that has one."""
        while self.ready and worker.job is None:
            key = self.ready.popleft()
            plan = self._plan(key)
            if not plan:
                continue
            try:
                target = bring_to_submitted(self.course.root, plan[0], self.graded)
            except OSError as exc:
                self._fail(plan[0], f"không chuyển được bài nộp vào submitted/ ({exc.strerror})")
                self.ready.append(key)
                continue
            try:
                staged = stage(self.course.root, target, worker.number)
            except (Refused, OSError) as exc:
                self._fail(
                    target,
                    str(exc)
                    if isinstance(exc, Refused)
                    else f"không chuẩn bị được bài để chấm ({exc.strerror})",
                )
                self.ready.append(key)
                continue
            regrade = target.key in self.graded
            payload = {
                "assignment": key[1],
                "learner": key[0],
                "submitted_directory": staged.submitted_directory,
            }
            if self.kernels_folder is not None:
                payload |= {"jail": self.jail, "kernels_folder": str(self.kernels_folder)}
            worker.send(_Job(key, target, regrade, staged), payload, time.monotonic())

    def _finished(self, worker: Worker, data: dict) -> None:
        job: _Job | None = worker.job
        if job is None or worker not in self.pool.workers:
            return  # the answer of a worker stopped for taking too long: its job is counted as failed
        worker.job = None
        loaded = load_answers(job.staged.folder)
        answers_problem = job.staged.answers_problem or loaded.file_problem
        if not answers_problem and loaded.question_problems:
            answers_problem = "; ".join(
                f"câu {shown(q, 40)}: {p.rstrip('.')}"
                for q, p in sorted(loaded.question_problems.items())[:3]
            )
        unstage(self.course.root, worker.number)
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
                self.ready.appendleft(job.key)  # graded again: the same grades, once the database is free
                return
            self._fail(attempt, failure_reason(data.get("error", ""), data.get("log", "")))
            self.ready.append(job.key)
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
            self.ready.append(job.key)
            return
        except OperationalError as exc:  # the gradebook busy or gone: not recorded, so graded at the next run
            self._fail(attempt, f"không ghi được vào sổ điểm ({type(exc.orig).__name__}: {exc.orig})")
            self.ready.append(job.key)
            return
        found = [a.submitted_at for a in find_attempts(self.course.root, *job.key)]
        later = [t for t in found if t > attempt.submitted_at and (*job.key, t) in self.graded]
        latest = max(found, default=attempt.submitted_at)
        self.graded.add(attempt_key)
        self.times[job.key] = attempt.submitted_at
        self.result.graded.append(
            Graded(
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
            )
        )
        self.progress.update(self.done, len(self.result.failed))
        self.ready.append(job.key)

    def _ended(self, worker: Worker) -> None:
        """A worker stopped: its job failed; another worker takes its place while there is work."""
        if worker not in self.pool.workers:
            return  # retired already (stopped for taking too long), and replaced then
        self.pool.retire(worker)
        if worker.job is not None:
            job, worker.job = worker.job, None
            self._fail(job.attempt, f"tiến trình chấm bài dừng đột ngột: {worker.why_it_ended()}")
            self.ready.append(job.key)
        elif not worker.ready:
            raise ToolFailed(
                f"{self.course.root}: không khởi động được nbgrader để chấm bài: {worker.why_it_ended()}"
            )
        if self.ready:
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
                self._fail(job.attempt, f"chấm quá {limit:g} giây nên đã dừng (GradeSettings.job_timeout)")
                self.ready.append(job.key)
                self.pool.start()

    def run(self, workers: int) -> GradeResult:
        if not self.ready:
            return self.result
        self.progress.update(0)
        try:
            for _ in range(min(workers, len(self.ready))):
                self.pool.start()
            self._prepare_kernels()  # while the workers start
            while any(w.job is not None for w in self.pool.workers) or (self.ready and self.pool.workers):
                try:
                    message = self.pool.messages.get(timeout=TICK_SECONDS)
                except queue.Empty:
                    message = None
                if message is not None:
                    worker = message.worker
                    if message.data is None:
                        self._ended(worker)
                    elif message.data.get("ready"):
                        worker.ready = True
                    else:
                        self._finished(worker, message.data)
                self._check_time()
                for idle in [w for w in self.pool.workers if w.ready and w.job is None]:
                    self._dispatch(idle)
        except BaseException:
            for worker in list(self.pool.workers):
                self.pool.retire(worker, kill=True)
            raise
        finally:
            self.pool.close()
            self.progress.finish()
            shutil.rmtree(self.course.root / STAGE_FOLDER, ignore_errors=True)
            if self.kernels_folder is not None:
                shutil.rmtree(self.kernels_folder, ignore_errors=True)
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
    `only`: just these (learner, assignment).  `exclusive=False` skips the course's lock
    file: for graders that share the work otherwise (the hosted course's queue in the
    gradebook, canhgiac.course.queue), each holding its own (learner, assignment).
    """
    settings = settings or course.settings(GradeSettings)
    if not course.root.is_dir():
        raise DataError(f"{course.root}: không có thư mục khóa học này")
    wait_for_sqlite_locks()
    with _only_run(course) if exclusive else nullcontext(), course.gradebook() as gradebook:
        grading = _Grading(course, gradebook, settings, stream, verbose, only)
        grading.result.names = _names(gradebook)
        gradebook.db.rollback()
        if grading.ready:
            _ensure_students(gradebook, {learner for learner, _ in grading.ready})
        return grading.run(settings.workers(jobs))
