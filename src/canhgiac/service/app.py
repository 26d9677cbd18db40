"""The course service `khoa-hoc`: the book, online submissions, results, and the trainers' live report.

A JupyterHub service (tornado, authenticated through the hub with HubOAuth as
in JupyterHub's whoami-oauth example).  URLs, under /services/khoa-hoc/:

    health                      no sign-in: is the service up and its database reachable
    <book pages>                the built book, compressed (precompressed .br/.gz when the build made them)
    api/me                      who is signed in: learner ID, name, trainer or not
    api/submissions   POST      hand in a quiz: the book page's file format, plus an optional client `id`
    api/results                 the signed-in learner's own attempts: status, score, passed, feedback
    api/certificate             the signed-in learner's certificate (PDF), once they pass
    report/                     trainers: `canhgiac report`, the last one built (built again in the
                                background when the gradebook changed: live_report.py)
    report/loc                  trainers: that report filtered by agency, commune and quiz (the dashboard's filters)
    api/report/<name>.csv       trainers: each CSV of that report
    certificates/<id>.pdf       trainers: every certificate

Who is who comes from the hub: a hub user name is a learner ID in lower case
(canhgiac.hub.accounts); trainers hold the custom scope `custom:khoa-hoc:trainer`,
granted by the hub to the trainers' group (canhgiac.hub.config).  A learner can
only hand in, and read, their own.

Nothing slow runs on the IO loop: the hub is asked who signed in without
blocking (HubAuth's async API, its answers cached), the database and the files
are read and written in a thread pool, the report is built in a process of its
own.  A submission costs one look-up of the signed-in learner (cached), the
landing of its one attempt (collect's own, given the released quizzes kept in
memory and that one learner, rather than the whole roster), a few fsyncs, and
two small database writes.
"""

import asyncio
import hashlib
import json
import mimetypes
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from threading import Lock

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from sqlalchemy import create_engine, func, select, text
from tornado import web

from canhgiac.collect import Received, collect_received, released_quizzes
from canhgiac.course import Course
from canhgiac.course import queue as work
from canhgiac.course.attempts import find_attempts, to_utc
from canhgiac.course.learners import LEARNER, TRAINER, Learner
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.course.tables import create_tables
from canhgiac.course.tables import learner as learner_table
from canhgiac.course.tables import trainer as trainer_table
from canhgiac.datafile import DataError
from canhgiac.report.view import AGENCY, COMMUNE, QUIZ
from canhgiac.service import receipts
from canhgiac.service.filtered import FilteredReports
from canhgiac.service.live_report import LiveReport
from canhgiac.static_files import cache_control, negotiate

TRAINER_SCOPE = "custom:khoa-hoc:trainer"
MAX_BODY_BYTES = 256 * 1024
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
ROSTER_MAX_AGE = 30.0  # seconds a signed-in person's roster entry is kept


class Refusal(web.HTTPError):
    """An HTTP error whose reason, in Vietnamese, goes to the client as {"error": ...}."""

    def __init__(self, status: int, message: str):
        super().__init__(status, reason=None)
        self.message = message


class State:
    """What the handlers share: the course, its database, caches, one landing at a time."""

    def __init__(self, course: Course, book: Path, state: Path):
        self.course = course
        self.book = book
        self.state = state
        self.engine = create_engine(course.db_url, future=True, pool_pre_ping=True)
        create_tables(self.engine)
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="khoa-hoc")
        self.landing = Lock()
        self.report = LiveReport(course, self.engine, state / "bao-cao")
        self._people: dict[str, tuple[float, Learner | None]] = {}
        self._quizzes: tuple[tuple, dict] = ((), {})
        self.filtered = FilteredReports(course)  # report/loc and its charts, on a thread of their own

    def person(self, user_name: str) -> Learner | None:
        """The roster entry of a hub user (a lower-case learner ID), or None; kept ROSTER_MAX_AGE seconds.

        One person's row, not the roster: a province's roster is tens of thousands of rows.
        """
        stamp, entry = self._people.get(user_name, (0.0, None))
        if time.monotonic() - stamp <= ROSTER_MAX_AGE:
            return entry
        with self.engine.connect() as conn:
            rows = conn.execute(select(learner_table).where(learner_table.c.id == user_name)).mappings().all()
            if not rows:  # an ID with capitals (HV001): the hub lower-cases user names
                rows = [
                    row
                    for row in conn.execute(
                        select(learner_table).where(func.lower(learner_table.c.id) == user_name)
                    ).mappings()
                    if row["id"].lower() == user_name
                ]
            row = rows[0] if rows else None
            trainer = (
                row is not None
                and conn.execute(
                    select(trainer_table.c.learner_id).where(trainer_table.c.learner_id == row["id"])
                ).first()
            )
        entry = Learner(**dict(row), role=TRAINER if trainer else LEARNER) if row is not None else None
        if len(self._people) > 100_000:
            self._people.clear()
        self._people[user_name] = (time.monotonic(), entry)
        return entry

    def quizzes(self) -> dict:
        """The released quizzes (collect's), read again only when a release notebook changed."""
        release = self.course.folder("release")
        stamp = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in release.glob("*/*.ipynb")))
        known, quizzes = self._quizzes
        if stamp != known:
            quizzes = released_quizzes(self.course)
            self._quizzes = (stamp, quizzes)
        return quizzes

    async def run(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self.pool, func, *args)

    def close(self) -> None:
        self.report.close()
        self.filtered.close()


class Base(HubOAuthenticated, web.RequestHandler):
    entry: Learner | None = None

    def initialize(self, state: State) -> None:
        self.state = state

    async def prepare(self):
        """Who is signed in, asked without blocking the IO loop.

        HubAuth's `get_current_user` is synchronous: on a token it has not seen
        (a learner's first request, or every 5 minutes: its cache) it waits for
        the hub's answer with the IO loop stopped, and a burst of learners signing
        in would queue behind each other.  Its async form, awaited here, leaves
        the answer on the handler, where `get_current_user` then finds it; the same
        checks (XSRF for cookies, scopes) apply.  Then the person's roster row, in
        the thread pool.
        """
        await self.hub_auth.get_user(self, sync=False)
        user = self.current_user
        if user and user.get("kind", "user") == "user":
            self.entry = await self.state.run(self.state.person, user["name"].lower())

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "message", None) or {
            401: "Anh, chị chưa đăng nhập.",
            403: "Anh, chị không có quyền xem trang này.",
            404: "Không tìm thấy trang này.",
        }.get(status_code, "Máy chủ gặp lỗi; hãy thử lại sau ít phút.")
        if self.request.path.startswith(url_path_join(self.hub_auth.base_url, "api")):
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(json.dumps({"error": message}, ensure_ascii=False))
        else:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(
                f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{status_code}</title><p>{message}</p>'
            )

    def learner(self):
        """The signed-in roster person, or a refusal (401 not signed in, 403 not on the roster)."""
        user = self.current_user
        if not user:
            if self.request.method not in ("GET", "HEAD") and self.get_cookie(self.hub_auth.cookie_name):
                raise Refusal(403, "Thiếu hoặc sai mã chống giả mạo (XSRF); hãy tải lại trang rồi thử lại.")
            raise Refusal(401, "Anh, chị chưa đăng nhập, hoặc phiên đăng nhập đã hết hạn; hãy đăng nhập lại.")
        entry = self.entry
        if entry is None:
            raise Refusal(403, "Tài khoản này không có trong danh sách học viên của khóa học.")
        return entry

    def is_trainer(self) -> bool:
        user = self.current_user
        return bool(user) and bool(self.hub_auth.check_scopes({TRAINER_SCOPE}, user))

    def require_trainer(self) -> None:
        self.learner()
        if not self.is_trainer():
            raise Refusal(403, "Trang này chỉ dành cho cán bộ phụ trách.")

    def json(self, data, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(data, ensure_ascii=False))


class HealthHandler(web.RequestHandler):
    def initialize(self, state: State) -> None:
        self.state = state

    async def get(self):
        try:
            await self.state.run(self._check)
        except Exception as exc:
            self.set_status(503)
            self.finish({"status": "error", "reason": type(exc).__name__})
            return
        self.finish({"status": "ok"})

    def _check(self) -> None:
        with self.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))


class MeHandler(Base):
    def get(self):
        entry = self.learner()
        self.json(
            {
                "learner": entry.id,
                "name": entry.full_name,
                "agency": entry.agency,
                "trainer": self.is_trainer(),
                # The learner's own JupyterLab, from the hub (canhgiac.hub.spawner), with the course's quizzes.
                "jupyterlab": url_path_join(self.hub_auth.hub_prefix, "user-redirect/lab/tree/bai-kiem-tra"),
                "xsrf": self.xsrf_token.decode() if isinstance(self.xsrf_token, bytes) else self.xsrf_token,
            }
        )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class SubmissionsHandler(Base):
    async def post(self):
        entry = self.learner()
        body = self.request.body
        if len(body) > MAX_BODY_BYTES:
            raise Refusal(
                413, f"Bài nộp quá lớn ({len(body) // 1024} KB, tối đa {MAX_BODY_BYTES // 1024} KB)."
            )
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise Refusal(400, "Nội dung gửi lên không phải JSON hợp lệ (UTF-8).") from None
        if not isinstance(data, dict):
            raise Refusal(
                400, "Nội dung gửi lên phải là một đối tượng JSON {learner, assignment, saved_at, answers}."
            )
        ident = data.pop("id", None)
        if ident is not None and not (isinstance(ident, str) and CLIENT_ID.match(ident)):
            raise Refusal(400, "Mã bài nộp (id) chỉ gồm 8 đến 64 chữ cái không dấu, chữ số, '-' hoặc '_'.")
        learner = data.get("learner")
        if not isinstance(learner, str) or learner.strip().lower() != entry.id.lower():
            raise Refusal(
                403, "Chỉ được nộp bài của chính mình: mã học viên trong bài khác tài khoản đang đăng nhập."
            )
        if ident:
            found = await self.state.run(receipts.find, self.state.engine, entry.id, ident)
            if found is not None:
                self.set_header("Idempotent-Replayed", "true")
                self.json(found.public(), 201)
                return
        assignment = data.get("assignment")
        released = set(self.state.course.released_assignments())
        if not isinstance(assignment, str) or assignment not in released:
            raise Refusal(400, f"Không có bài kiểm tra '{str(assignment)[:64]}' trong khóa học.")
        received_at = _now()
        saved_at = data.get("saved_at")
        try:
            moment = to_utc(datetime.fromisoformat(saved_at.strip()))
        except (AttributeError, ValueError):
            raise Refusal(400, "Thời điểm lưu bài (saved_at) không đúng dạng ISO 8601.") from None
        if moment > received_at:  # a clock ahead: an attempt is never from the future
            data["saved_at"] = received_at.isoformat() + "+00:00"
        data["learner"] = entry.id
        digest = hashlib.sha256(body).hexdigest()
        outcome = await self.state.run(
            land, self.state, entry, assignment, data, ident or digest[:32], received_at
        )
        if isinstance(outcome, str):
            raise Refusal(400, f"Bài nộp không hợp lệ: {outcome}.")
        receipt = receipts.Receipt(ident or digest[:32], entry.id, assignment, received_at, outcome, digest)
        if ident:
            receipt = await self.state.run(receipts.save, self.state.engine, receipt)
        self.json(receipt.public(), 201)


def land(state: State, entry: Learner, assignment: str, data: dict, ident: str, received_at: datetime):
    """Store the attempt as `canhgiac collect` stores a book page's file; its time, or the refusal's reason.

    In the thread pool.  collect's own landing, told what the service already
    knows (the released quizzes, the signed-in learner), then the grading request.
    """
    learner = entry.id
    raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
    item = Received(
        origin=f"khoa-hoc:{learner}:{ident}",
        names=(f"{learner}_{assignment}",),
        group=f"khoa-hoc:{ident}",
        suffix=".json",
        data=raw,
        modified=received_at,
    )
    with state.landing:
        result = collect_received(
            state.course,
            [item],
            quizzes=state.quizzes(),
            learners={learner: entry.full_name},
            graded=graded_of(state.engine, learner),
        )
    if result.refused:
        return result.refused[0].reason
    stored = (result.collected or result.duplicates)[0]
    work.request_grading(state.engine, learner, assignment)
    return stored.submitted_at


def graded_of(engine, learner: str) -> set:
    """collect's `graded` for one learner: (learner, assignment, time) of their graded attempts."""
    a = attempt_table.c
    with engine.connect() as conn:
        rows = conn.execute(select(a.learner_id, a.assignment, a.submitted_at).where(a.learner_id == learner))
        return {tuple(row) for row in rows}


def learner_results(state: State, learner: str) -> list[dict]:
    course = state.course
    rules = course.rules
    engine = state.engine
    with engine.connect() as conn:
        graded = {
            (row.assignment, row.submitted_at): row
            for row in conn.execute(select(attempt_table).where(attempt_table.c.learner_id == learner))
        }
        feedback = {
            (row.assignment, row.submitted_at): json.loads(row.questions)
            for row in conn.execute(select(work.feedback).where(work.feedback.c.learner_id == learner))
        }
        failures = work.failures_of(conn, learner)
    sent = receipts.of_learner(engine, learner)
    results = []
    for assignment in course.released_assignments():
        for attempt in find_attempts(course.root, learner, assignment):
            key = (assignment, attempt.submitted_at)
            row = graded.get(key)
            receipt = sent.get(key)
            item = {
                "id": receipt.id if receipt else None,
                "assignment": assignment,
                "submitted_at": attempt.submitted_at.isoformat() + "Z",
                "status": "cho-cham",
                "score": None,
                "max_score": None,
                "passed": None,
            }
            if row is not None:
                item.update(
                    status="da-cham",
                    score=row.score,
                    max_score=row.max_score,
                    passed=rules.passes(row.score, row.max_score),
                    feedback=feedback.get(key)
                    or work.autograded_feedback(course.root, learner, assignment, attempt.submitted_at)
                    or [],
                )
            elif key in failures:
                item.update(status="loi", reason=failures[key])
            results.append(item)
    return sorted(results, key=lambda r: r["submitted_at"])


class ResultsHandler(Base):
    async def get(self):
        entry = self.learner()
        self.json(await self.state.run(learner_results, self.state, entry.id))


class CertificateHandler(Base):
    def get(self):
        from canhgiac.hub.graders import certificates_folder

        entry = self.learner()
        path = certificates_folder(self.state.course) / f"{entry.id}.pdf"
        if not path.is_file():
            raise Refusal(
                404, "Chưa có giấy chứng nhận: giấy được cấp khi anh, chị đạt bài kiểm tra cuối khóa."
            )
        self.set_header("Content-Type", "application/pdf")
        self.set_header("Content-Disposition", f'attachment; filename="chung-nhan-{entry.id}.pdf"')
        self.finish(path.read_bytes())


class ReportHandler(Base):
    """The last live report built (live_report.py): its page, charts, CSVs and workbook."""

    KINDS = {
        ".html": "text/html; charset=utf-8",
        ".csv": "text/csv; charset=utf-8",
        ".png": "image/png",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }

    @web.authenticated  # a trainer not signed in goes to the hub's login page, then back here
    async def get(self, name: str):
        self.require_trainer()
        built = await self.state.report.latest()
        name = name or "report.html"
        self.set_header("Content-Type", self.KINDS.get(Path(name).suffix, "application/octet-stream"))
        self.set_header("Cache-Control", "no-store")
        if name == "report.html":
            gzipped = "gzip" in self.request.headers.get("Accept-Encoding", "")
            if gzipped:
                self.set_header("Content-Encoding", "gzip")
            self.finish(built.page_gz if gzipped else built.page)
            return
        folder = built.folder.resolve()
        if name == "report.xlsx":
            path = await self.state.report.workbook(built)
        else:
            path = (folder / name).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            raise Refusal(404, "Báo cáo không có tệp này.")
        self.finish(await self.state.run(path.read_bytes))


class ReportCsvHandler(ReportHandler):
    async def get(self, name: str):
        await super().get(f"{name}.csv")


class ReportFilterHandler(Base):
    @web.authenticated
    async def get(self):
        self.require_trainer()
        built = await self.state.report.latest()
        args = [self.get_query_argument(name, "")[:256] for name in (AGENCY, COMMUNE, QUIZ)]
        page = await self.state.filtered.page(built, *args)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(page)


class ReportChartHandler(Base):
    @web.authenticated
    async def get(self, name: str):
        self.require_trainer()
        built = await self.state.report.latest()
        args = [self.get_query_argument(arg, "")[:256] for arg in (AGENCY, COMMUNE, QUIZ)]
        png = await self.state.filtered.chart(built, name, *args)
        if png is None:
            raise Refusal(404, "Không có biểu đồ này cho lựa chọn đã lọc.")
        self.set_header("Content-Type", "image/png")
        self.set_header("Cache-Control", "private, no-store")  # learners' figures: never kept by a proxy
        self.finish(png)


class CertificatesHandler(Base):
    @web.authenticated
    def get(self, learner_id: str):
        from canhgiac.hub.graders import certificates_folder

        self.require_trainer()
        folder = certificates_folder(self.state.course)
        if not learner_id:
            files = sorted(folder.glob("*.pdf")) if folder.is_dir() else []
            items = "".join(f'<li><a href="{p.name}">{p.stem}</a></li>' for p in files)
            self.finish(
                '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Giấy chứng nhận</title>'
                f"<h1>Giấy chứng nhận đã cấp ({len(files)})</h1><ul>{items}</ul>"
            )
            return
        path = folder / f"{learner_id}.pdf"
        if not re.fullmatch(r"[A-Za-z0-9._-]+", learner_id) or not path.is_file():
            raise Refusal(404, "Không có giấy chứng nhận này.")
        self.set_header("Content-Type", "application/pdf")
        self.finish(path.read_bytes())


class BookHandler(Base, web.StaticFileHandler):
    """The built book, for signed-in users; a precompressed .br/.gz beside a file is sent when the browser takes it."""

    def initialize(self, state: State, path: str) -> None:  # noqa: D401
        Base.initialize(self, state)
        web.StaticFileHandler.initialize(self, path=path, default_filename="index.html")

    @web.authenticated
    async def get(self, path: str, include_body: bool = True):
        if path == "" or path.endswith(".html"):
            self.xsrf_token  # noqa: B018  sets the _xsrf cookie the quiz page's requests send back
            # Tells the book's scripts they are on the hosted course (canhgiac-exam.js asks api/me).
            self.set_cookie("canhgiac_hosted", "1", path=self.hub_auth.base_url, samesite="Strict")
        if self._send_precompressed(path, include_body):
            return
        await web.StaticFileHandler.get(self, path, include_body)

    def _send_precompressed(self, path: str, include_body: bool) -> bool:
        """The build's .br or .gz beside the file, when the browser accepts it; False when there is none.

        The same choice and cache lifetimes as `canhgiac serve` (canhgiac.static_files).
        """
        root = Path(self.root).resolve()
        wanted = (root / (path or "index.html")).resolve()
        if not wanted.is_relative_to(root) or not wanted.is_file():
            return False
        choice = negotiate(wanted, self.request.headers.get("Accept-Encoding"))
        if choice.encoding is None:
            return False
        kind, _ = mimetypes.guess_type(wanted.name)
        self.set_header("Content-Type", kind or "application/octet-stream")
        self.set_header("Content-Encoding", choice.encoding)
        # Vary: Accept-Encoding comes from tornado's compress_response, on every response.
        self.set_header("Cache-Control", cache_control(self.request.path, self.request.query))
        self.finish(choice.path.read_bytes() if include_body else None)
        return True

    def get_cache_time(self, path, modified, mime_type):
        return 0 if mime_type == "text/html" else 3600

    def compute_etag(self):
        return None


def make_app(course: Course, book: Path, prefix: str, state_folder: Path) -> web.Application:
    state = State(course, book, state_folder)
    p = prefix.rstrip("/") + "/"
    handlers = [
        (p + "health", HealthHandler, {"state": state}),
        (p + "oauth_callback", HubOAuthCallbackHandler),
        (p + "api/me", MeHandler, {"state": state}),
        (p + "api/submissions", SubmissionsHandler, {"state": state}),
        (p + "api/results", ResultsHandler, {"state": state}),
        (p + "api/certificate", CertificateHandler, {"state": state}),
        (p + r"api/report/([A-Za-z0-9_-]+)\.csv", ReportCsvHandler, {"state": state}),
        (p + "report/loc", ReportFilterHandler, {"state": state}),
        (p + r"report/loc/bieu-do/(nhom|diem|cau-hoi)\.png", ReportChartHandler, {"state": state}),
        (p + r"report/([A-Za-z0-9_./-]*)", ReportHandler, {"state": state}),
        (p + r"certificates/([A-Za-z0-9._-]*?)(?:\.pdf)?", CertificatesHandler, {"state": state}),
        (p + "(.*)", BookHandler, {"state": state, "path": str(book)}),
    ]
    return web.Application(
        handlers,
        cookie_secret=os.urandom(32),
        compress_response=True,
        state=state,
    )


def check_ready(course: Course, book: Path) -> None:
    if not (book / "index.html").is_file():
        raise DataError(f"{book}: chưa có sách đã dựng (index.html). Hãy chạy make book trước.")
    course.require_exists()
