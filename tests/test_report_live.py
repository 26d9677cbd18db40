"""The hosted course's live report (canhgiac.service.live_report) and its filters (canhgiac.report.view), without a hub.

The hub tests (tests/test_hub.py) check the same pages through JupyterHub, as
a trainer and a learner; here, on a generated gradebook, what they cannot
wait for: a change in the gradebook gives a new report in the background
while the old one is served, and a filtered view holds exactly the report's
rows of the chosen learners.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from html import escape
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, insert
from synthetic import generate_gradebook

from canhgiac.course import Course
from canhgiac.course.status import statuses
from canhgiac.course.tables import attempt
from canhgiac.report.settings import ReportSettings
from canhgiac.report.tables import learners_table, reminders_table
from canhgiac.report.view import CHARTS, chosen, view_chart, view_html, view_tables
from canhgiac.service import live_report
from canhgiac.service.live_report import LiveReport


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    folder = tmp_path_factory.mktemp("course")
    generate_gradebook(f"sqlite:///{folder / 'gradebook.db'}", 60, quizzes=3, questions=4, seed=3, agencies=4)
    return Course(folder)


def test_the_last_report_is_served_while_the_next_is_built(course, tmp_path, monkeypatch):
    """Does the first request wait for a report, the next ones get it at once, and a change in the
    gradebook start a new build in the background, served once ready (and saying when it was read)?"""
    monkeypatch.setattr(live_report, "CHECK_EVERY", 0.0)
    monkeypatch.setattr(live_report, "MIN_GAP", 0.0)
    engine = create_engine(course.db_url)

    async def scenario():
        report = LiveReport(course, engine, tmp_path / "bao-cao")
        try:
            first = await report.latest()
            assert "số liệu đọc từ sổ điểm lúc".encode() in first.page
            assert (first.folder / "learners.csv").is_file() and not (first.folder / "report.xlsx").exists()
            assert await report.latest() is first  # nothing changed: no new build
            assert report._task.done()
            with engine.begin() as conn:  # a new graded attempt
                conn.execute(
                    insert(attempt).values(
                        learner_id=first.data.learners[0].id,
                        assignment="final",
                        submitted_at=datetime(2030, 1, 1),
                        graded_at=datetime(2030, 1, 1),
                        score=1.0,
                        max_score=8.0,
                    )
                )
            assert await report.latest() is first  # served at once, the old one
            await report._task  # the build started in the background
            second = await report.latest()
            assert second is not first and second.signature != first.signature
            assert second.read_at >= first.read_at
            assert (second.folder / "report.html").is_file()
            # The workbook is made when asked for, from the same figures.
            workbook = await report.workbook(second)
            assert workbook.stat().st_size > 0
        finally:
            report.close()

    # In a thread of its own: a browser test before this one may leave an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, scenario()).result()


def test_a_filtered_view_holds_the_reports_rows_of_its_learners(course):
    """Do the filters keep exactly the report's rows of the learners of one agency (and a quiz's
    reminders), and does the page offer every agency and ignore a value the course does not have?"""
    from canhgiac.course.read import read_course

    data = read_course(course)
    rules, settings = course.rules, course.settings(ReportSettings)
    status = statuses(data, rules)
    everyone = learners_table(data, status)
    agency = data.agencies()[1]
    view = view_tables(data, rules, settings, *chosen(data, agency, "", ""))
    assert view.learners.rows == tuple(r for r in everyone.rows if r[2] == agency)
    assert 0 < len(view.learners.rows) < len(everyone.rows)
    quiz = data.quiz_names[0]
    view = view_tables(data, rules, settings, *chosen(data, agency, "", quiz))
    wanted = reminders_table(data, status, quiz)
    assert view.reminders.rows == tuple(r for r in wanted.rows if r[0] == agency)
    assert chosen(data, "<script>", "Không có", "bai-khac") == (None, None, None)
    page = view_html(
        data, view, rules, title="Khóa học", made="2026-12-05", full_report="./", csv_link="{name}.csv"
    )
    assert all(f">{a}</option>" in page for a in data.agencies())
    assert f'<option value="{agency}" selected>' in page
    assert "<script" not in page
    assert "<img" not in page  # no chart_link: tables only
    # With chart_link, the dashboard's three charts, for the same choice, each with its words (alt).
    page = view_html(
        data,
        view,
        rules,
        title="Khóa học",
        made="2026-12-05",
        full_report="./",
        csv_link="{name}.csv",
        chart_link="bieu-do/{name}.png",
    )
    query = urlencode({"co_quan": agency, "bai": quiz})
    for name, words in CHARTS.items():
        assert f'src="bieu-do/{name}.png?{escape(query)}"' in page and f'alt="{escape(words)}"' in page
        assert view_chart(view, name, rules, settings)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_report_builder_ends_with_a_service_killed_before_it_started(course, tmp_path):
    """When the service ends at once after starting its report builder (killed, or a failed start),
    does the builder process end too, rather than wait for work forever?"""
    import os
    import subprocess
    import sys
    import time
    import uuid

    marker = f"CANHGIAC_TEST_BUILDER={uuid.uuid4().hex}".encode()
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from canhgiac.course import Course\n"
        "from canhgiac.service.live_report import LiveReport\n"
        "LiveReport(Course(Path(sys.argv[1])), None, Path(sys.argv[2]))\n"
        "os._exit(0)  # gone at once, as a service killed outright\n"
    )
    env = {**os.environ, marker.decode().split("=")[0]: marker.decode().split("=")[1]}
    subprocess.run(
        [sys.executable, "-c", code, str(course.root), str(tmp_path / "bao-cao")], env=env, check=True
    )

    def builders() -> list[int]:
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/environ", "rb") as stream:
                        if marker in stream.read().split(b"\0"):
                            found.append(int(entry))
                except OSError:
                    pass
        return found

    deadline = time.monotonic() + 30
    while (left := builders()) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in left:
        os.kill(pid, 9)
    assert left == [], "the report builder outlived its service"
