"""The trainers' live report: the last one built, served at once, built again in the background.

`canhgiac report` takes seconds for a province (about ten at 20,000 learners
on two busy cores: reading the gradebook, the charts, the CSV files).  A
trainer who opens report/ must not wait for that, and the service must keep
answering learners meanwhile, so:

- the report is built in a process of its own (a thread would hold Python's
  lock against the requests of the learners handing in), with
  `canhgiac report`'s own `write_report`, into a new folder each time; the
  process starts with the service and imports what it needs at once;
- every request is answered from the last report built; only the very first
  one waits for a build;
- a request looks (at most every CHECK_EVERY seconds) whether the gradebook
  changed since that report was read: then the next build starts in the
  background, MIN_GAP seconds at the soonest after the previous one started
  and no sooner than three times the last build's duration, so that a course
  graded all day does not keep a core busy with reports;
- the page says when its figures were read, and links to the filtered view
  and to the CSV files; the HTML is kept gzip-compressed, ready to send;
- the workbook (report.xlsx, the slowest file to write) is made only when a
  trainer asks for it, from the same figures.

The figures are also kept in memory (CourseData) for the filtered view
(report/loc), which is therefore the same snapshot as the page.
"""

import asyncio
import gzip
import logging
import multiprocessing
import os
import shutil
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from canhgiac.course import Course
from canhgiac.course.clock import shown
from canhgiac.course.clock import today as course_today
from canhgiac.course.model import CourseData
from canhgiac.course.tables import attempt, attempt_review, learner, trainer

log = logging.getLogger("canhgiac.service")

CHECK_EVERY = 5.0  # seconds between two looks at whether the gradebook changed
MIN_GAP = 10.0  # seconds at least between the starts of two builds
SLOWDOWN = 3.0  # ... and at least this many times the last build's duration
MAX_AGE = 600.0  # a report older than this is built again even when the signature did not change
PAGE = "live.html"  # report.html with the live report's notice
CSV_LINKS = ("learners", "reminders", "by_agency", "by_commune", "quizzes", "questions")


@dataclass(frozen=True)
class Built:
    folder: Path
    read_at: datetime  # naive UTC: when its figures were read
    started: float  # time.monotonic() when its build started
    seconds: float
    signature: tuple
    data: CourseData
    page: bytes
    page_gz: bytes

    def made(self, course: Course) -> str:
        return shown(self.read_at, course.rules.tz)


def signature(engine: Engine, course: Course) -> tuple:
    """What changes when the report would: counts and latest rows of the tables it reads, and the date.

    A few aggregate queries (milliseconds at 20,000 learners).  What they miss (a
    score corrected by hand in nbgrader, a renamed agency) shows within MAX_AGE.
    """
    parts: list = [course_today(course.rules.tz).isoformat()]
    with engine.connect() as conn:
        parts += list(
            conn.execute(select(func.count(), func.max(attempt.c.id), func.max(attempt.c.graded_at))).one()
        )
        for table in (learner, trainer, attempt_review):
            parts.append(conn.execute(select(func.count()).select_from(table)).scalar())
        try:  # nbgrader's own submissions (a course graded with nbgrader alone)
            parts += list(
                conn.execute(text("SELECT count(*), max(timestamp) FROM submitted_assignment")).one()
            )
        except SQLAlchemyError:
            parts.append(None)
    return tuple(str(p) for p in parts)


def notice(made: str) -> str:
    """The live page's notice, under its title: when it was made, the filters, the files."""
    csv = " · ".join(f'<a href="../api/report/{name}.csv">{name}.csv</a>' for name in CSV_LINKS)
    return (
        '<p class="notice" role="status">Báo cáo trực tuyến: số liệu đọc từ sổ điểm lúc '
        f"{escape(made)}. Khi có điểm mới, báo cáo tự lập lại sau ít phút; tải lại trang để xem.</p>\n"
        '<p><a href="loc">Lọc theo cơ quan, xã, bài</a> · '
        f'<a href="report.xlsx">report.xlsx</a> · {csv}</p>\n'
    )


def build(course: Course, folder: Path, made: str) -> CourseData:
    """In the builder process: `canhgiac report` into `folder` (no workbook), and the live page."""
    from canhgiac.report import read_course
    from canhgiac.report.write import write_report

    data = read_course(course)
    write_report(course, folder, data=data, workbook=False)
    html = (folder / "report.html").read_text(encoding="utf-8")
    html = html.replace("<main>\n", "<main>\n" + notice(made), 1)
    page = html.encode("utf-8")
    (folder / PAGE).write_bytes(page)
    (folder / (PAGE + ".gz")).write_bytes(gzip.compress(page, 6))
    return data


def warm() -> None:
    """In the builder process, when the service starts: the imports, so that the first report waits only for itself."""
    import canhgiac.report.write  # noqa: F401  (matplotlib, openpyxl, the course's reading)


def watch_parent(parent: int) -> None:
    """In the builder process, before any work: it ends with the service, even one killed outright
    (SIGKILL, a failed start) that never told it to stop.

    Started as the pool's initializer, with the service's pid: a service that ends before the builder
    has started still ends it.  (As a task, the watch never ran then: the builder waited for work
    forever on a queue whose other end it holds itself.)
    """

    def orphaned() -> None:
        while os.getppid() == parent:
            time.sleep(2)
        os._exit(0)

    threading.Thread(target=orphaned, name="khoa-hoc-builder-watch", daemon=True).start()


def workbook(course: Course, data: CourseData, folder: Path) -> None:
    """In the builder process: the report's workbook, from the figures of the page."""
    from canhgiac.report.write import write_workbook

    write_workbook(course, data, folder)


class LiveReport:
    def __init__(self, course: Course, engine: Engine, root: Path) -> None:
        self.course = course
        self.engine = engine
        self.root = root
        self.current: Built | None = None
        self._task: asyncio.Task | None = None
        self._checked = 0.0
        self._pool: ProcessPoolExecutor | None = None
        self._workbooks: dict[Path, asyncio.Future] = {}
        self.builds = 0  # reports built so far
        shutil.rmtree(root, ignore_errors=True)  # a previous run's reports: read afresh
        root.mkdir(parents=True, exist_ok=True)
        self._builder().submit(warm)

    def _builder(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # "spawn": the service has threads (HubOAuth's, the executor's), which fork would copy half-way.
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=watch_parent,
                initargs=(os.getpid(),),
            )
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def latest(self) -> Built:
        """The last report built; the first call waits for one, later ones may start the next build."""
        if self.current is None:
            if self._task is None or self._task.done():
                self._task = asyncio.ensure_future(self._build())
            await asyncio.shield(self._task)
            if self.current is None:  # the build failed: its exception was raised above
                raise RuntimeError("no report")
            return self.current
        await self._maybe_rebuild()
        return self.current

    async def _maybe_rebuild(self) -> None:
        now = time.monotonic()
        if (self._task is not None and not self._task.done()) or now - self._checked < CHECK_EVERY:
            return
        self._checked = now
        current = self.current
        try:
            changed = await asyncio.to_thread(signature, self.engine, self.course) != current.signature
        except SQLAlchemyError as exc:
            log.warning("live report: cannot read the gradebook's signature: %s", exc)
            return
        if not changed and now - current.started < MAX_AGE:
            return
        delay = max(0.0, current.started + max(MIN_GAP, SLOWDOWN * current.seconds) - now)
        self._task = asyncio.ensure_future(self._build(delay))

    async def _build(self, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        started = time.monotonic()
        read_at = datetime.now(UTC).replace(tzinfo=None)
        sig = await asyncio.to_thread(signature, self.engine, self.course)
        folder = self.root / read_at.strftime("%Y%m%dT%H%M%S%f")
        made = shown(read_at, self.course.rules.tz)
        loop = asyncio.get_running_loop()
        try:
            data = await loop.run_in_executor(self._builder(), build, self.course, folder, made)
        except Exception:
            log.exception("live report: the build failed")
            shutil.rmtree(folder, ignore_errors=True)
            if self.current is None:
                raise
            return
        page = await asyncio.to_thread((folder / PAGE).read_bytes)
        page_gz = await asyncio.to_thread((folder / (PAGE + ".gz")).read_bytes)
        previous = self.current
        self.builds += 1
        self.current = Built(folder, read_at, started, time.monotonic() - started, sig, data, page, page_gz)
        log.info("live report built in %.1f s (%d learners)", self.current.seconds, len(data.learners))
        # The report before the previous one: nobody is reading it any more.
        for old in self.root.iterdir():
            if old not in (folder, previous.folder if previous else None):
                await asyncio.to_thread(shutil.rmtree, old, True)

    async def workbook(self, built: Built) -> Path:
        """report.xlsx of a built report, made on the first request for it."""
        path = built.folder / "report.xlsx"
        if path.is_file():
            return path
        future = self._workbooks.get(built.folder)
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(self._builder(), workbook, self.course, built.data, built.folder)
            self._workbooks = {built.folder: future}  # only the latest report's
        await asyncio.shield(future)
        return path
