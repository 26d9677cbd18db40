"""Serve the built book on this machine only, as a static host would.

Precompressed copies (.br, .gz, written by the build) go to browsers that accept
them, with long cache lifetimes for hashed assets and none for pages and the
service worker: see canhgiac.static_files, which the hosted course shares.
"""

import email.utils
import functools
import os
import sys
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from canhgiac.static_files import cache_control, negotiate


class QuietHandler(SimpleHTTPRequestHandler):
    """Static files of the built book, precompressed when the browser accepts it."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".webmanifest": "application/manifest+json",
        ".svg": "image/svg+xml",
    }

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def send_head(self):
        url = urlsplit(self.path)
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not url.path.endswith("/") or not (path / "index.html").is_file():
                return super().send_head()  # the redirect to "dir/", or the 404
            path = path / "index.html"
        if not path.is_file():
            return super().send_head()
        choice = negotiate(path, self.headers.get("Accept-Encoding"))
        try:
            f = open(choice.path, "rb")  # noqa: SIM115 - the caller copies then closes it
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        try:
            stat = os.fstat(f.fileno())
            if self._not_modified(stat.st_mtime):
                f.close()
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self._common_headers(url, choice.vary, stat.st_mtime)
                self.end_headers()
                return None
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Length", str(stat.st_size))
            if choice.encoding:
                self.send_header("Content-Encoding", choice.encoding)
            self._common_headers(url, choice.vary, stat.st_mtime)
            self.end_headers()
            return f
        except Exception:
            f.close()
            raise

    def _common_headers(self, url, vary: bool, mtime: float) -> None:
        self.send_header("Last-Modified", self.date_time_string(int(mtime)))
        self.send_header("Cache-Control", cache_control(url.path, url.query))
        if vary:
            self.send_header("Vary", "Accept-Encoding")

    def _not_modified(self, mtime: float) -> bool:
        since = self.headers.get("If-Modified-Since")
        if not since or "If-None-Match" in self.headers:
            return False
        try:
            when = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return when is not None and when.timestamp() >= int(mtime)


class BookServer(ThreadingHTTPServer):
    """A threading server that says nothing when a browser drops a connection mid-file."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a tab closed, a reload, an offline switch: nothing went wrong here
        super().handle_error(request, client_address)


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A server for `root` (port 0 picks a free port: see server.server_address)."""
    handler = functools.partial(QuietHandler, directory=str(root))
    return BookServer((host, port), handler)


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    if not (root / "index.html").exists():
        raise SystemExit(f"{root}: chưa có sách đã dựng (index.html). Hãy chạy: make book")
    with make_server(root, host, port) as server:
        print(f"Khóa học đang chạy tại http://{host}:{server.server_address[1]}/ (Ctrl+C để dừng)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("\nĐã dừng.")
