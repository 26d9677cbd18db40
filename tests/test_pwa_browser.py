"""The book as an installable app, offline after one visit, in Debian's headless Chromium.

The service worker needs a secure context: http://127.0.0.1 is one.  Each test
serves its book with its own server, so that a test can stop it (really offline).
"""

import json
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from browser_helpers import toc_pages
from chromium import CHROMIUM_ARGS, chromium_executable

from canhgiac.serve import make_server
from canhgiac.tools import BIN

ROOT = Path(__file__).resolve().parents[1]
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}
# Beyond the TOC, the pages a learner reaches from every page: search and the index.
EXTRA_PAGES = ["search.html", "genindex.html"]


class Server:
    """The built book on a free port of 127.0.0.1, stoppable mid-test."""

    def __init__(self, root: Path) -> None:
        self.httpd = make_server(root, "127.0.0.1", 0)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.running = False


def wait_until_offline_ready(page) -> None:
    """The service worker controls the page: it activates only once the whole precache is stored."""
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return errors


def test_after_one_visit_does_every_page_open_with_the_network_off(browser, built_book):
    """Home page once, then the server stopped and the phone offline: does every TOC page,
    quiz page, search and index page render from the service worker, with no error?"""
    server = Server(built_book)
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        errors = watch_errors(page)
        page.goto(server.url, wait_until="load")  # index.html sends the reader to the first page
        wait_until_offline_ready(page)
        server.stop()
        context.set_offline(True)
        pages = toc_pages() + EXTRA_PAGES
        quiz_pages = 0
        for path in pages:
            response = page.goto(server.url + path, wait_until="load")
            assert response is not None and response.ok, f"{path}: no answer offline"
            assert response.from_service_worker, f"{path}: not served by the service worker"
            heading = page.locator("h1:visible").first
            assert heading.is_visible(), f"{path}: nothing rendered offline"
            assert heading.inner_text().strip(), path
            if page.locator("form.cg-exam").count():
                quiz_pages += 1
                assert page.locator("form.cg-exam fieldset.cg-exam-question").first.is_visible(), path
            assert not errors, f"{path} offline:\n" + "\n".join(errors)
        assert quiz_pages >= 7, f"only {quiz_pages} quiz pages among the TOC pages"
        # The search page searches offline too (its index was precached).
        page.goto(server.url + "search.html?q=c%C3%B4ng+an", wait_until="load")
        page.locator("#search-results li").first.wait_for(timeout=15_000)
        assert not errors, "\n".join(errors)
    finally:
        context.close()
        server.stop()


def test_is_the_manifest_valid_and_the_app_installable(browser, built_book):
    """Chromium's own checks on the book's first page: no manifest errors, no installability errors."""
    server = Server(built_book)
    profile = tempfile.mkdtemp(prefix="canhgiac-profile-")
    # Chromium never offers to install from an incognito context (Playwright's
    # new_context is one): a persistent profile, as a learner's phone has.
    context = browser.browser_type.launch_persistent_context(
        profile, executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS, **PHONE
    )
    try:
        page = context.new_page()
        page.goto(server.url + "book/intro.html", wait_until="load")
        wait_until_offline_ready(page)
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == [], manifest["errors"]
        assert manifest["url"] == server.url + "manifest.webmanifest"
        data = json.loads(manifest["data"])
        assert data["lang"] == "vi" and "Cảnh giác" in data["name"] and data["short_name"] == "Cảnh giác"
        assert data["display"] == "standalone" and data["theme_color"].startswith("#")
        sizes = {icon["sizes"] for icon in data["icons"]}
        assert {"192x192", "512x512"} <= sizes
        for icon in data["icons"]:
            response = page.request.get(server.url + icon["src"])
            assert response.ok and response.headers["content-type"] == "image/png", icon
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
    finally:
        context.close()
        server.stop()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------- a new version

FIXTURE_CONFIG = """\
title: "Sách thử"
only_build_toc_files: true
html:
  favicon: favicon.svg
execute:
  execute_notebooks: "off"
sphinx:
  extra_extensions: [canhgiac.sphinxext]
  config:
    language: vi
    html_context:
      default_mode: auto
"""
FIXTURE_TOC = """\
format: jb-book
root: intro
chapters:
  - file: chuong
"""


def write_fixture_book(folder: Path, version: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_config.yml").write_text(FIXTURE_CONFIG, encoding="utf-8")
    (folder / "_toc.yml").write_text(FIXTURE_TOC, encoding="utf-8")
    shutil.copy(ROOT / "book" / "images" / "favicon.svg", folder / "favicon.svg")
    (folder / "intro.md").write_text(f"# Mở đầu\n\nĐây là {version}.\n", encoding="utf-8")
    (folder / "chuong.md").write_text(f"# Chương một\n\nNội dung của {version}.\n", encoding="utf-8")


def build(folder: Path) -> Path:
    result = subprocess.run(
        [str(BIN / "jupyter-book"), "build", str(folder), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return folder / "_build" / "html"


def test_is_a_new_build_announced_and_shown_whole_after_reload(browser, tmp_path):
    """A second build: is the learner told, do pages stay on the old version until
    "Tải lại", does every page show the new one after it, and do saved answers survive?"""
    book = tmp_path / "book"
    write_fixture_book(book, "phiên bản một")
    html = build(book)
    assert (html / "sw.js").is_file() and (html / "manifest.webmanifest").is_file()
    server = Server(html)
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        errors = watch_errors(page)
        page.goto(server.url + "intro.html", wait_until="load")
        wait_until_offline_ready(page)
        page.evaluate("localStorage.setItem('cg-exam-thu', 'câu trả lời đang làm')")
        assert "phiên bản một" in page.locator("article").inner_text()

        write_fixture_book(book, "phiên bản hai")
        build(book)
        page.reload(wait_until="load")  # the browser checks sw.js on each navigation
        notice = page.locator("#cg-update")
        notice.wait_for(timeout=60_000)
        assert "Đã có phiên bản mới" in notice.inner_text()
        # Until the learner reloads, every page is the version already open: never a mix.
        assert "phiên bản một" in page.locator("article").inner_text()
        page.goto(server.url + "chuong.html", wait_until="load")
        assert "Nội dung của phiên bản một" in page.locator("article").inner_text()
        page.locator("#cg-update button").wait_for()

        with page.expect_navigation(wait_until="load"):
            page.locator("#cg-update button").click()
        assert "Nội dung của phiên bản hai" in page.locator("article").inner_text()
        page.goto(server.url + "intro.html", wait_until="load")
        assert "phiên bản hai" in page.locator("article").inner_text()
        assert page.locator("#cg-update").count() == 0
        assert page.evaluate("localStorage.getItem('cg-exam-thu')") == "câu trả lời đang làm"
        # The new version is what is kept offline now.
        server.stop()
        context.set_offline(True)
        page.goto(server.url + "chuong.html", wait_until="load")
        assert "Nội dung của phiên bản hai" in page.locator("article").inner_text()
        assert not errors, "\n".join(errors)
    finally:
        context.close()
        server.stop()
