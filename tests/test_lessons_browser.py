"""The lessons' pages of the built book in headless Chromium: complete with no kernel, and private.

Each page is opened in a browser context of its own kind (vi-VN, no service
worker) that records every request and error and stops any request that would
leave 127.0.0.1.  The scenarios are played and the report form filled in the page,
and what the page shows is compared with what the Python code computes.
"""

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from browser_helpers import WIDTH_JS, blocking, describe_violation, is_local, run_axe
from playwright.sync_api import Page, expect

from canhgiac.lessons import faces
from canhgiac.lessons.report_helper import FIELDS, build_summary
from canhgiac.lessons.scenarios import ScenarioRun, load_scenarios

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
# The lessons' pages: the notebooks listed in the book's part "Thực hành".
PAGES = [
    f"{c['file']}.html"
    for part in yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["parts"]
    if part["caption"] == "Thực hành"
    for c in part["chapters"]
]
SIMULATOR = "notebooks/tinh-huong.html"
FACES = "notebooks/cat-ghep-khuon-mat.html"
REPORT = "notebooks/ho-tro-trinh-bao.html"


@dataclass
class Recorder:
    """Every request and every console or page error of the lessons' pages."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def recorded() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def context(browser, recorded):
    context = browser.new_context(
        locale="vi-VN", service_workers="block", viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(15_000)
    context.on("request", lambda r: recorded.requests.append(r.url))
    context.on("console", lambda m: recorded.errors.append(m.text) if m.type == "error" else None)
    context.on("weberror", lambda e: recorded.errors.append(str(e.error)))
    context.route(lambda url: not is_local(url), lambda route: route.abort())
    yield context
    context.close()


def _open(context, site: str, path: str) -> Page:
    page = context.new_page()
    page.goto(f"{site}/{path}")
    page.wait_for_load_state("load")
    return page


# What a blank widget area would be: a widget's placeholder or an empty output, and
# how much of each lesson part is actually shown.
BLANKS_JS = """
() => {
  const widgets = document.querySelectorAll(
    'script[type^="application/vnd.jupyter.widget"], .jupyter-widgets, .widget-area, .output_widget_view'
  ).length;
  const outputs = [...document.querySelectorAll(".cell_output, .output")]
    .filter((o) => !o.innerText.trim() && !o.querySelector("img")).length;
  const lessons = [...document.querySelectorAll(".cg-lesson")].map((l) => ({
    height: l.getBoundingClientRect().height,
    text: l.innerText.trim().length,
  }));
  const images = [...document.querySelectorAll(".cg-lesson img")].map((i) => [i.src, i.complete && i.naturalWidth]);
  const note = document.querySelector(".cg-jupyterlab-note");
  return {widgets, outputs, lessons, images, note: note ? note.innerText : ""};
}
"""


@pytest.mark.parametrize("path", PAGES)
def test_a_lesson_page_shows_no_blank_widget_area(context, site, path):
    """Does the lesson's page show every part filled in, with no widget placeholder or empty output, and name its notebook for JupyterLab?"""
    page = _open(context, site, path)
    shown = page.evaluate(BLANKS_JS)
    page.close()
    assert shown["widgets"] == 0 and shown["outputs"] == 0, shown
    assert shown["lessons"], "no lesson part on the page"
    assert all(part["height"] > 40 and part["text"] > 20 for part in shown["lessons"]), shown["lessons"]
    assert all(width for _, width in shown["images"]), f"images not shown: {shown['images']}"
    notebook = path.rsplit("/", 1)[-1].replace(".html", ".ipynb")
    assert "JupyterLab" in shown["note"] and notebook in shown["note"]
    assert "make " not in shown["note"] and ".venv/" not in shown["note"], "a learner installs nothing"


@pytest.mark.parametrize("scenario", load_scenarios().scenarios, ids=lambda s: s.id)
def test_a_scenario_plays_to_its_summary_in_the_browser(context, site, scenario):
    """Does every choice show its consequence and explanation, and the ending its summary with what was done well and not, as the Python run says?"""
    page = _open(context, site, SIMULATOR)
    page.click(f'[data-start="{scenario.id}"]')
    run = ScenarioRun(scenario)
    while not run.done:
        step = run.step
        expect(page.locator(".cg-sim-situation")).to_have_text(step.situation)
        # A different choice at each step, so the paths mix good choices and poor ones.
        choice = step.choices[(len(run.taken) + 1) % len(step.choices)]
        run.choose(choice.id)
        page.click(f'[data-choice="{choice.id}"]')
        expect(page.locator(".cg-sim-consequence")).to_contain_text(choice.consequence)
        expect(page.locator(".cg-sim-explanation")).to_contain_text(choice.explanation)
        expect(page.locator(".cg-sim-verdict")).to_have_text("✓ Làm đúng" if choice.good else "✗ Chưa nên")
        page.click("[data-next]")
    ending = page.locator(".cg-sim-ending")
    expect(ending.locator("h3")).to_have_text(run.ending.title)
    expect(ending.locator(".cg-sim-summary")).to_have_text(run.ending.summary)
    good, poor = run.recap()
    expect(ending.locator(".cg-sim-good li")).to_have_text([c.text for c in good] or ["Không có."])
    expect(ending.locator(".cg-sim-poor li")).to_have_text([c.text for c in poor] or ["Không có."])
    page.get_by_role("button", name="Chọn tình huống khác").click()
    expect(page.locator(".cg-sim-menu")).to_be_visible()
    page.close()


def test_the_trace_exercise_is_checked_in_the_browser(context, site):
    """Does ticking an exhibit's traces and pressing "Kiểm tra" say right, and show the explanation?"""
    page = _open(context, site, FACES)
    exhibit = faces.EXHIBITS[0]
    form = page.locator(f'form.cg-quiz[id="cg-{exhibit.id}"]')
    for oid in exhibit.answer():
        form.locator(f'label[for="cg-{exhibit.id}-{oid}"]').click()
    form.get_by_role("button", name="Kiểm tra").click()
    expect(form.locator(".cg-feedback")).to_contain_text("Đúng rồi")
    expect(form.locator(".cg-explanation")).to_be_visible()
    page.close()


def _values() -> dict:
    values: dict[str, object] = {}
    for i, f in enumerate(FIELDS):
        if f.kind == "date":
            values[f.id] = "2025-03-14"
        elif f.kind == "time":
            values[f.id] = "21:40"
        elif f.kind == "choices":
            values[f.id] = [oid for oid, _ in f.options][::2]
        elif f.kind == "lines":
            values[f.id] = f"  dòng một {i} <b>đậm</b>\n\n dòng hai {i} & “trích”\n"
        else:
            values[f.id] = f"  giá trị {i}:   50 triệu đồng "
    return values


SUMMARY_JS = """
(root) => [...root.querySelectorAll("section")].map((s) => [
  s.querySelector("h4").textContent,
  [...s.querySelectorAll("dt")].map((dt) => {
    const values = [];
    for (let n = dt.nextElementSibling; n && n.tagName === "DD"; n = n.nextElementSibling) values.push(n.textContent);
    return [dt.textContent, values];
  }),
])
"""

# The page's storage: the theme keeps its colour mode there; the lessons keep nothing.
STORAGE_JS = """
() => [localStorage, sessionStorage].map((s) => Object.fromEntries(Object.entries(s))).concat([document.cookie])
"""


def test_the_report_form_builds_the_python_summary_and_keeps_it_in_the_page(context, site, recorded):
    """Does the book's form build exactly the summary that Python builds from the same input, with no request and nothing stored, and download it as Python's text?"""
    page = _open(context, site, REPORT)
    stored = page.evaluate(STORAGE_JS)
    values = _values()
    for f in FIELDS:
        if f.kind == "choices":
            for oid in values[f.id]:
                page.check(f"#cg-report-{f.id}-{oid}")
        else:
            page.fill(f"#cg-report-{f.id}", values[f.id])
    before = len(recorded.requests)
    page.get_by_role("button", name="Tạo bản tóm tắt").click()
    summary = page.locator(".cg-report-summary")
    expect(summary).to_be_visible()
    assert summary.evaluate(SUMMARY_JS) == build_summary(values).structure()
    assert page.locator(".cg-report-summary h3").inner_text() == build_summary(values).title
    expect(page.get_by_role("button", name="In bản tóm tắt")).to_be_enabled()
    assert len(recorded.requests) == before, f"requests while building: {recorded.requests[before:]}"
    assert page.evaluate(STORAGE_JS) == stored, "the form stored something"
    assert urlsplit(page.url).query == ""

    # Downloading is asking to keep it: the file is the Python summary's text, made in the page.
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải về tệp văn bản").click()
    assert download.value.suggested_filename == "tom-tat-trinh-bao.txt"
    assert Path(download.value.path()).read_text(encoding="utf-8") == build_summary(values).text()

    page.get_by_role("button", name="Xóa hết").click()
    expect(summary).to_be_hidden()
    assert page.input_value(f"#cg-report-{FIELDS[2].id}") == ""
    expect(page.locator(".cg-report-status")).to_have_text("Đã xóa mọi thông tin đã nhập.")
    page.close()


def test_what_the_lessons_show_when_used_is_accessible_on_a_phone(browser, site, recorded):
    """After a start, a choice, an ending, a check and a summary, does axe find no serious violation, with nothing wider than a 375-px phone?"""
    phone = browser.new_context(
        locale="vi-VN",
        service_workers="block",
        viewport={"width": 375, "height": 800},
        is_mobile=True,
        has_touch=True,
    )
    phone.on("request", lambda r: recorded.requests.append(r.url))
    phone.route(lambda url: not is_local(url), lambda route: route.abort())
    problems: list[str] = []

    def look(page: Page, state: str) -> None:
        # The theme's "back to top" button shows once a page is scrolled back up, as the
        # simulator does: canhgiac.css gives it a contrast that axe accepts.
        problems.extend(describe_violation(state, v) for v in blocking(run_axe(page)))
        width = page.evaluate(WIDTH_JS)
        if width["scrollWidth"] > width["innerWidth"] + 1:
            problems.append(f"{state}: {width['scrollWidth']} px wide; sticking out: {width['wide']}")

    page = _open(phone, site, SIMULATOR)
    scenario = load_scenarios().scenarios[0]
    page.click(f'[data-start="{scenario.id}"]')
    look(page, "simulator, first step")
    run = ScenarioRun(scenario)
    while not run.done:
        choice = run.step.choices[-1]
        run.choose(choice.id)
        page.click(f'[data-choice="{choice.id}"]')
        if len(run.taken) == 1:
            look(page, "simulator, a choice's outcome")
        page.click("[data-next]")
    look(page, "simulator, an ending")
    page.close()

    page = _open(phone, site, FACES)
    page.locator(".cg-exhibit form .cg-check").first.click()
    look(page, "exercise, checked with nothing ticked")
    page.close()

    page = _open(phone, site, REPORT)
    page.fill(f"#cg-report-{FIELDS[3].id}", "một dòng\nhai dòng")
    page.get_by_role("button", name="Tạo bản tóm tắt").click()
    look(page, "report helper, with its summary")
    page.close()
    phone.close()
    assert not problems, "\n".join(problems)


def test_no_lesson_page_leaves_the_machine_or_logs_an_error(context, site, recorded):
    """Did every request of the lessons' pages go to 127.0.0.1, with no console or page error?"""
    for path in PAGES:  # open each once more, in case this test runs alone
        _open(context, site, path).close()
    paths = {urlsplit(u).path for u in recorded.requests}
    assert {f"/{p}" for p in PAGES} <= paths
    assert "/_static/canhgiac-lessons.js" in {p.split("?")[0] for p in paths}
    outside = sorted({u for u in recorded.requests if not is_local(u)})
    assert not outside, "requests to other hosts:\n" + "\n".join(outside)
    assert not recorded.errors, "\n".join(recorded.errors)
