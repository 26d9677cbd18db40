"""`canhgiac hub service`: the course service in the foreground, as the hub (or an operator's unit) starts it.

It reads what JupyterHub gives every service in its environment:
JUPYTERHUB_SERVICE_URL (where to listen), JUPYTERHUB_SERVICE_PREFIX
(/services/khoa-hoc/), JUPYTERHUB_API_TOKEN, JUPYTERHUB_CLIENT_ID and
JUPYTERHUB_API_URL (for HubOAuth).  Started by the hub (`canhgiac hub run`),
it has them all; started on its own (systemd, Kubernetes), the operator sets them.

It listens at once and answers 503 ("đang khởi động") while it loads the rest
(nbgrader alone takes seconds to import on a busy machine): JupyterHub gives a
managed service ten seconds to answer, and an operator's health check should
see it starting rather than refusing connections.

Its cookies (the hub sign-in it keeps, the OAuth state) are signed with
CANHGIAC_COOKIE_SECRET (hex, at least 32 bytes: `openssl rand -hex 32`), so that
several replicas of the service, or one restarted, accept each other's cookies;
without it, a random secret per start (one process: a restart only makes each
learner pass through the hub's sign-in again, without typing anything).
"""

import asyncio
import importlib
import os
import signal
import sys
from pathlib import Path
from urllib.parse import urlparse

from tornado import httputil, web
from tornado.httpserver import HTTPServer
from tornado.ioloop import PeriodicCallback

PREFIX = "/services/khoa-hoc/"
COOKIE_SECRET_ENV = "CANHGIAC_COOKIE_SECRET"
MIN_SECRET_BYTES = 32
# Larger than the service's own limit (canhgiac.service.app.MAX_BODY_BYTES), so that an
# oversized submission gets its Vietnamese 413 rather than a closed connection.
MAX_BODY_SIZE = 4 * 1024 * 1024


class Starting(web.RequestHandler):
    """While the service loads: its API and health say 503; a page asks the reader to wait a moment.

    A page answers 200, since JupyterHub takes any answer below 500 as "up" and gives up after 10 s.
    """

    def get(self, *args):
        path = self.request.path
        if "/api/" in path or path.endswith("/health") or self.request.method != "GET":
            self.set_status(503)
            self.set_header("Retry-After", "2")
            self.finish(
                {"status": "starting", "error": "Dịch vụ khóa học đang khởi động; hãy thử lại sau vài giây."}
            )
            return
        self.set_header("Cache-Control", "no-store")
        self.finish(
            '<!doctype html><html lang="vi"><meta charset="utf-8"><meta http-equiv="refresh" content="3">'
            "<title>Đang khởi động</title><p>Khóa học đang khởi động; trang sẽ tự mở lại sau vài giây.</p>"
        )

    post = get


class Switch(httputil.HTTPServerConnectionDelegate):
    """Hands each request to the application of the moment: the starting page, then the service."""

    def __init__(self, app: web.Application) -> None:
        self.app = app

    def start_request(self, server_conn, request_conn):
        return self.app.start_request(server_conn, request_conn)

    def on_close(self, server_conn):
        self.app.on_close(server_conn)


def cookie_secret(env=os.environ) -> bytes:
    """The key the service signs its cookies with: $CANHGIAC_COOKIE_SECRET (hex), else random for this start."""
    from canhgiac.errors import DataError

    text = env.get(COOKIE_SECRET_ENV, "").strip()
    if not text:
        return os.urandom(MIN_SECRET_BYTES)
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < MIN_SECRET_BYTES:
        raise DataError(
            f"{COOKIE_SECRET_ENV} phải là một chuỗi thập lục phân (hex) dài ít nhất {2 * MIN_SECRET_BYTES} "
            "ký tự, ví dụ tạo bằng lệnh: openssl rand -hex 32"
        )
    return secret


def default_book() -> Path:
    """The book built in the checkout this package is installed from (make book)."""
    return Path(__file__).resolve().parents[3] / "_build" / "html"


def _load(
    course_arg: str | None, book: Path, prefix: str, state: Path | None, secret: bytes
) -> web.Application:
    """The service itself: imported here, after the port is open (nbgrader is slow to import)."""
    from canhgiac.course import resolve_course
    from canhgiac.hub.accounts import hub_folder

    app = importlib.import_module("canhgiac.service.app")
    course = resolve_course(course_arg).require_exists()
    app.check_ready(course, book)
    application = app.make_app(course, book, prefix, state or hub_folder(course) / "khoa-hoc")
    # tornado reads the key from the settings at each signed cookie: every replica given the same
    # secret accepts the sign-in cookie another one set (HubOAuth keeps the hub token in it).
    application.settings["cookie_secret"] = secret
    return application


async def _serve(course_arg: str | None, book: Path, state: Path | None, secret: bytes) -> None:
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", PREFIX)
    switch = Switch(web.Application([(r".*", Starting)]))
    server = HTTPServer(switch, xheaders=True, max_body_size=MAX_BODY_SIZE)
    server.listen(url.port or 80, url.hostname or "127.0.0.1")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    parent = os.getppid()

    def orphaned() -> None:
        # Started by the hub, which ended (a failed start, a kill -9): stop too, rather than linger.
        if os.getppid() != parent:
            stop.set()

    watch = PeriodicCallback(orphaned, 2000)
    watch.start()
    switch.app = await asyncio.to_thread(_load, course_arg, book, prefix, state, secret)
    print(f"Dịch vụ khóa học (khoa-hoc) nghe tại {url.geturl()} , đường dẫn {prefix}", flush=True)
    await stop.wait()
    watch.stop()
    server.stop()
    state = switch.app.settings.get("state")
    if state is not None:
        state.close()  # the report's builder process


def serve(course_arg: str | None, book: Path | None = None, state: Path | None = None) -> None:
    """Serve the course of a `--course` argument (resolved once the port is open)."""
    secret = cookie_secret()  # a bad value stops here, before the port opens (DataError, exit 2)
    asyncio.run(_serve(course_arg, book or default_book(), state, secret))
    # HubOAuth keeps a thread with its own event loop, which would keep the process alive: the
    # service has nothing left to finish (every submission is stored before its answer is sent).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
