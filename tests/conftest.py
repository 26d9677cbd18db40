"""Shared fixtures: the book built once per test session through the real CLI, and served."""

import subprocess
import threading
from pathlib import Path

import pytest
from chromium import chromium_executable

from canhgiac.serve import make_server
from canhgiac.tools import BIN

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM = chromium_executable()


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session (Playwright's sync API allows one per process)."""
    from chromium import CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: run `make test-deps`"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the session (tests/postgres.py); fails, never skips, when it cannot start."""
    from postgres import PostgresUnavailable, start_postgres, stop_postgres

    try:
        server = start_postgres()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL could not be started: {exc}", pytrace=False)
    yield server
    stop_postgres(server)


@pytest.fixture(scope="session")
def released_course(tmp_path_factory) -> Path:
    """A course with the quizzes `intro` and `final` released and 8 learners (tests/course_factory.py).

    Made once; a test that changes it works on a copy (course_factory.copy_course).
    """
    from course_factory import make_course

    return make_course(tmp_path_factory.mktemp("released") / "course")


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The book built strictly (-W -n --keep-going) from the checkout into a fresh folder.

    A fresh output folder means no pickled environment: every page is read
    again, as on a clean clone.  The build's output is kept for the assertion
    message, since a warning anywhere fails the test.
    """
    out = tmp_path_factory.mktemp("book")
    result = subprocess.run(
        [
            str(BIN / "jupyter-book"),
            "build",
            str(ROOT),
            "--path-output",
            str(out),
            "-W",
            "-n",
            "--keep-going",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"the strict build failed:\n{log[-6000:]}"
    html = out / "_build" / "html"
    assert (html / "index.html").exists(), log[-3000:]
    return html


@pytest.fixture(scope="session")
def site(built_book) -> str:
    """The built book served on 127.0.0.1 at a free port; yields its base URL."""
    server = make_server(built_book, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# The marks of the slow tier, by the session fixture that brings the slow part.
FIXTURE_MARKS = {
    "browser": "browser",
    "postgres_server": "postgres",
    "released_course": "nbgrader",
    "built_book": "book",
    "site": "book",
}
SLOW_MARKS = {"browser", "postgres", "jupyterlab", "nbgrader", "book", "kernel"}


def pytest_collection_modifyitems(items):
    """Mark each test by the slow parts it uses, and every such test `slow` (`make test-fast` leaves them out).

    A module names its own slow fixtures in SLOW_FIXTURES (fixture name -> mark).
    """
    for item in items:
        marks = {**FIXTURE_MARKS, **getattr(item.module, "SLOW_FIXTURES", {})}
        for fixture in getattr(item, "fixturenames", ()):
            if fixture in marks:
                item.add_marker(marks[fixture])
        if SLOW_MARKS & {mark.name for mark in item.iter_markers()}:
            item.add_marker("slow")
