"""The live report filtered by agency, commune and quiz (report/loc), and its charts: trainers' work,
done on a thread of its own.

A filtered page is a view of the whole course (report.view.view_tables) and three charts drawn with
matplotlib: tenths of a second each at 20,000 learners.  On the pool that lands submissions, a
trainer opening the page (three images at once) would make learners' hand-ins wait; here they wait
only for each other.  One thread also draws one chart at a time, as matplotlib's settings
(rc_context) are global, and is the only one to touch the cache, which needs no lock.

What is kept belongs to the last report built (`Built.folder`): a few views (a view of the whole
course holds every learner's row), and the pages and PNGs made from them.
"""

import asyncio
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from canhgiac.course import Course
from canhgiac.report.settings import ReportSettings
from canhgiac.report.view import View, chosen, view_chart, view_html, view_tables

VIEWS_KEPT = 4
MADE_KEPT = 64


class FilteredReports:
    def __init__(self, course: Course) -> None:
        self.course = course
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="khoa-hoc-loc")
        self.folder: Path | None = None  # the report build that what is kept belongs to
        self.views: OrderedDict[tuple, View] = OrderedDict()
        self.made: OrderedDict[tuple, str | bytes | None] = OrderedDict()

    async def page(self, built, agency: str, commune: str, quiz: str) -> str:
        """report/loc: the filtered view as a page, its charts as images of report/loc/bieu-do/."""
        return await self._run(self._page, built, agency, commune, quiz)

    async def chart(self, built, name: str, agency: str, commune: str, quiz: str) -> bytes | None:
        """report/loc/bieu-do/<name>.png: one chart of the filtered view (None: nothing to draw)."""
        return await self._run(self._chart, built, name, agency, commune, quiz)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    # On the executor's one thread.

    async def _run(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    def _start(self, built) -> None:
        if built.folder != self.folder:
            self.folder, self.views, self.made = built.folder, OrderedDict(), OrderedDict()

    def _view(self, built, picked: tuple) -> View:
        self._start(built)
        view = self.views.get(picked)
        if view is None:
            course = self.course
            view = view_tables(built.data, course.rules, course.settings(ReportSettings), *picked)
            self.views[picked] = view
            while len(self.views) > VIEWS_KEPT:
                self.views.popitem(last=False)
        self.views.move_to_end(picked)
        return view

    def _keep(self, key: tuple, value):
        self.made[key] = value
        while len(self.made) > MADE_KEPT:
            self.made.popitem(last=False)
        return value

    def _page(self, built, agency: str, commune: str, quiz: str) -> str:
        picked = chosen(built.data, agency, commune, quiz)
        self._start(built)
        if ("page", *picked) in self.made:
            return self.made[("page", *picked)]
        settings = self.course.settings(ReportSettings)
        page = view_html(
            built.data,
            self._view(built, picked),
            self.course.rules,
            title=settings.course_title,
            made=built.made(self.course),
            full_report="./",
            csv_link="../api/report/{name}.csv",
            chart_link="loc/bieu-do/{name}.png",
        )
        return self._keep(("page", *picked), page)

    def _chart(self, built, name: str, agency: str, commune: str, quiz: str) -> bytes | None:
        picked = chosen(built.data, agency, commune, quiz)
        self._start(built)
        if (name, *picked) in self.made:
            return self.made[(name, *picked)]
        course = self.course
        png = view_chart(self._view(built, picked), name, course.rules, course.settings(ReportSettings))
        return self._keep((name, *picked), png)
