"""Serve the built book on this machine only, as a static host would."""

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class QuietHandler(SimpleHTTPRequestHandler):
    """Static files, with .js served as JavaScript whatever the OS's MIME table says."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A server for `root` (port 0 picks a free port: see server.server_address)."""
    handler = functools.partial(QuietHandler, directory=str(root))
    return ThreadingHTTPServer((host, port), handler)


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    if not (root / "index.html").exists():
        raise SystemExit(f"{root}: chưa có sách đã dựng (index.html). Hãy chạy: make book")
    with make_server(root, host, port) as server:
        print(f"Khóa học đang chạy tại http://{host}:{server.server_address[1]}/ (Ctrl+C để dừng)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("\nĐã dừng.")
