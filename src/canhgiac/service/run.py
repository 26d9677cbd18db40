"""`canhgiac hub service`: the course service in the foreground, as the hub (or an operator's unit) starts it.

It reads what JupyterHub gives every service in its environment:
JUPYTERHUB_SERVICE_URL (where to listen), JUPYTERHUB_SERVICE_PREFIX
(/services/khoa-hoc/), JUPYTERHUB_API_TOKEN, JUPYTERHUB_CLIENT_ID and
JUPYTERHUB_API_URL (for HubOAuth).  Started by the hub (`canhgiac hub run`),
it has them all; started on its own (systemd, Kubernetes), the operator sets them.
"""

import asyncio
import os
import signal
from pathlib import Path
from urllib.parse import urlparse

from tornado.httpserver import HTTPServer

from canhgiac.course import Course
from canhgiac.service.app import MAX_BODY_BYTES, check_ready, make_app

PREFIX = "/services/khoa-hoc/"


def default_book() -> Path:
    """The book built in the checkout this package is installed from (make book)."""
    return Path(__file__).resolve().parents[3] / "_build" / "html"


async def _serve(course: Course, book: Path, state: Path) -> None:
    url = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", PREFIX)
    app = make_app(course, book, prefix, state)
    # Larger than the service's own limit, so that an oversized submission gets its Vietnamese 413.
    server = HTTPServer(app, xheaders=True, max_body_size=MAX_BODY_BYTES * 8)
    server.listen(url.port or 80, url.hostname or "127.0.0.1")
    print(f"Dịch vụ khóa học (khoa-hoc) nghe tại {url.geturl()} , đường dẫn {prefix}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.stop()
    await server.close_all_connections()


def serve(course: Course, book: Path | None = None, state: Path | None = None) -> None:
    from canhgiac.hub.accounts import hub_folder

    book = book or default_book()
    check_ready(course, book)
    asyncio.run(_serve(course, book, state or hub_folder(course) / "khoa-hoc"))
