"""The built book served on 127.0.0.1 and printed by Debian's Chromium (Playwright's page.pdf)."""

import os
import shutil
import threading
from importlib import resources
from pathlib import Path

from canhgiac.errors import ToolFailed
from canhgiac.serve import make_server

# Chromium as the product prints with it, and as the tests and benchmarks run it (benchmarks/chromium.py
# imports these): no sandbox (CI runs as root) and none of Chromium's own traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> str:
    """Debian's Chromium: $CANHGIAC_CHROMIUM, else `chromium` on PATH, else Debian's path."""
    return os.environ.get("CANHGIAC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


PRINT_CSS = Path(str(resources.files("canhgiac") / "pdf" / "print.css"))

# Page numbers at the foot of each A4 page (Chromium fills in the two spans).
FOOTER = (
    "<div style=\"width:100%;font-family:'DejaVu Sans';font-size:8px;color:#555;"
    'text-align:center">Trang <span class="pageNumber"></span>/<span class="totalPages"></span></div>'
)


class PdfError(ToolFailed):
    """Chromium could not print: it is missing, or a page of the built book does not load."""


class Printer:
    """A context: the book's server and one headless Chromium, closed together."""

    def __init__(self, html_root: Path) -> None:
        self.html_root = Path(html_root)

    def __enter__(self) -> "Printer":
        from playwright.sync_api import sync_playwright

        executable = chromium_executable()
        if not Path(executable).exists():
            raise PdfError(f"không tìm thấy Chromium ({executable}): hãy chạy `make test-deps`")
        self._server = make_server(self.html_root, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        # No service worker: every page comes from the build being printed.
        self.context = self._browser.new_context(service_workers="block", locale="vi-VN")
        return self

    def __exit__(self, *exc) -> None:
        self.context.close()
        self._browser.close()
        self._playwright.stop()
        self._server.shutdown()
        self._server.server_close()

    def open(self, path: str):
        """A new tab on a page of the book, loaded; PdfError if it is missing."""
        page = self.context.new_page()
        response = page.goto(self.base_url + path, wait_until="load")
        if response is None or not response.ok:
            page.close()
            raise PdfError(f"không mở được trang {path} của sách đã dựng")
        return page

    def print_html(self, html: str, target: Path, *, footer: bool = True, one_page: bool = False) -> Path:
        """`html` (whose assets are absolute URLs of the book's server) printed to A4 PDF.

        one_page: scaled down, if need be, to fit one sheet (the handout stays one
        page when the checklist or the contacts grow a line).
        """
        page = self.context.new_page()
        try:
            # The printable width of A4 between the margins below, in CSS pixels.
            page.set_viewport_size({"width": round((210 - 32) / 25.4 * 96), "height": 1000})
            page.set_content(html, wait_until="load")
            page.add_style_tag(path=str(PRINT_CSS))
            page.emulate_media(media="print")
            page.evaluate("document.fonts.ready")
            scale = 1.0
            if one_page:
                height = page.evaluate("document.documentElement.scrollHeight")
                scale = max(0.5, min(1.0, (297 - 34) / 25.4 * 96 / height))
            target.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(
                path=str(target),
                format="A4",
                print_background=True,
                display_header_footer=footer,
                header_template="<span></span>",
                footer_template=FOOTER,
                margin={"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                scale=scale,
                outline=True,
                tagged=True,
            )
        finally:
            page.close()
        return target
