"""The built book in a real browser: Debian's Chromium, driven by Playwright, on 127.0.0.1.

One browser for the session.  Two tours of the book, one at desktop width (1280 px)
and one on a phone (375 px), each follow the "next" links from the first page to the
last and look at every page, then at the search page; most tests read what the tours
saw.  The self-check and search tests work their own pages.  The tests of requests and
errors come last, so that they cover every page that any test of the session opened.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest
from browser_helpers import (
    AXE,
    SHOWN_JS,
    WIDTH_JS,
    EnglishFinder,
    blocking,
    describe_violation,
    is_local,
    run_axe,
    toc_pages,
)
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.browser

SCAM_CHAPTER = "book/thu-doan.html"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 375, "height": 800}, "is_mobile": True, "has_touch": True}
# A word that is in no page, to see the search page's "nothing found" message.
NOTHING_FOUND = "xyzzyquux"


# ---------------------------------------------------------------- browser and tours


@pytest.fixture(scope="module", autouse=True)
def _axe_is_installed():
    assert AXE.exists(), f"no {AXE}: run `make test-deps` (npm ci --prefix tests/browser)"


@dataclass(repr=False)
class Browsing:
    """A browser context that records every request, console error and page error."""

    context: BrowserContext
    name: str
    where: str = "(before any page)"
    requests: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.context.set_default_timeout(15_000)
        self.context.on("request", lambda r: self.requests.append((self.where, r.url)))
        self.context.on("console", self._console)
        self.context.on("weberror", lambda e: self.errors.append(f"{self.where}: page error: {e.error}"))
        # Recorded above, then stopped here: a test run never reaches another host.
        self.context.route(lambda url: not is_local(url), lambda route: route.abort())

    def __repr__(self) -> str:  # short, for pytest's failure reports
        return f"<Browsing {self.name}: {len(self.requests)} requests, {len(self.errors)} errors>"

    def _console(self, message) -> None:
        if message.type == "error":
            loc = message.location
            self.errors.append(f"{self.where}: console error: {message.text} ({loc.get('url')})")

    def open(self, url: str) -> Page:
        self.where = f"{self.name} {urlsplit(url).path}"
        page = self.context.new_page()
        page.on("framenavigated", lambda f: self._moved(f, page))
        page.goto(url)
        return page

    def _moved(self, frame, page: Page) -> None:
        if frame == page.main_frame:
            self.where = f"{self.name} {urlsplit(frame.url).path}"


def _browsing(browser, name: str, options: dict):
    context = browser.new_context(locale="vi-VN", service_workers="block", **options)
    yield Browsing(context, name)
    context.close()


@pytest.fixture(scope="session")
def desktop(browser):
    yield from _browsing(browser, "1280px", DESKTOP)


@pytest.fixture(scope="session")
def phone(browser):
    yield from _browsing(browser, "375px", PHONE)


@pytest.fixture(scope="session")
def english() -> EnglishFinder:
    return EnglishFinder.from_catalogs()


@dataclass
class Seen:
    """What a tour saw on one page."""

    path: str
    lang: str
    width: dict
    violations: list[dict]
    english: list[str]


@dataclass
class Tour:
    visited: list[str]  # the book's pages, in the order the "next" links led
    pages: list[Seen]  # those, then the search page with and without results
    stuck: str = ""  # why the "next" links could not be followed to the end, if so


def wait_for_search(page: Page) -> list[str]:
    """Wait until Sphinx's search has finished; the paths of the pages it lists.

    Finished means the summary paragraph exists and the "..." pulse has stopped
    (searchtools.js sets _pulse_status back to -1), whatever language the page is in.
    """
    page.wait_for_function(
        """() => document.querySelector("#search-results p.search-summary")
                 && typeof Search !== "undefined" && Search._pulse_status < 0"""
    )
    hrefs = page.eval_on_selector_all("#search-results ul.search li > a", "els => els.map(a => a.href)")
    return [urlsplit(h).path.lstrip("/") for h in hrefs]


def _look(page: Page, english: EnglishFinder, width: str) -> Seen:
    url = urlsplit(page.url)
    return Seen(
        path=f"{width} " + url.path.lstrip("/") + (f"?{url.query}" if url.query else ""),
        lang=page.evaluate("document.documentElement.lang"),
        width=page.evaluate(WIDTH_JS),
        violations=run_axe(page),
        english=english.find(page.evaluate(SHOWN_JS)),
    )


def _tour(browsing: Browsing, site: str, english: EnglishFinder) -> Tour:
    expected = toc_pages()
    page = browsing.open(f"{site}/")  # index.html sends the reader to the first page
    page.wait_for_url(f"{site}/{expected[0]}")
    visited, seen, stuck = [], [], ""
    for _ in range(len(expected) + 3):  # a loop of "next" links must not hang the test
        page.wait_for_load_state("load")
        visited.append(urlsplit(page.url).path.lstrip("/"))
        seen.append(_look(page, english, browsing.name))
        following = page.locator("a.right-next")
        if following.count() == 0:
            break
        target = urljoin(page.url, following.first.get_attribute("href"))
        try:
            following.first.click(timeout=5_000)
            page.wait_for_url(target)
        except PlaywrightError as exc:  # the tests say so; the other pages are still looked at
            stuck = f"on {visited[-1]}, the next link to {target} did not open: {exc.message.splitlines()[0]}"
            for path in expected[len(visited) :]:
                page.goto(f"{site}/{path}")
                seen.append(_look(page, english, browsing.name))
            break
    for query in ("lừa đảo", NOTHING_FOUND):
        page.goto(f"{site}/search.html?q={quote(query)}")
        wait_for_search(page)
        seen.append(_look(page, english, browsing.name))
    page.close()
    return Tour(visited, seen, stuck)


@pytest.fixture(scope="session")
def desktop_tour(desktop, site, english) -> Tour:
    return _tour(desktop, site, english)


@pytest.fixture(scope="session")
def phone_tour(phone, site, english) -> Tour:
    return _tour(phone, site, english)


# ---------------------------------------------------------------- the table of contents


def test_every_toc_page_opens_by_following_the_next_links(desktop_tour):
    """Does every page of the table of contents open by following the next links, in order?"""
    expected = toc_pages()
    assert len(expected) > 1
    assert not desktop_tour.stuck, desktop_tour.stuck
    assert desktop_tour.visited == expected, (
        "following a.right-next from the first page visited\n"
        f"  {desktop_tour.visited}\ninstead of the pages of _toc.yml\n  {expected}"
    )


def test_every_page_says_it_is_in_vietnamese(desktop_tour, phone_tour):
    """Is the html lang attribute "vi" on every page, the search page included?"""
    wrong = [
        f"{s.path}: lang={s.lang!r}"
        for tour in (desktop_tour, phone_tour)
        for s in tour.pages
        if s.lang != "vi"
    ]
    assert len(desktop_tour.pages) == len(toc_pages()) + 2
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------- self-check questions


def _quizzes(built_book: Path) -> dict[str, list[tuple[str, str]]]:
    """kind -> [(page, form id)] of the self-check questions, in reading order."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in toc_pages():
        text = (built_book / path).read_text(encoding="utf-8")
        for form_id, kind in re.findall(r'<form class="cg-quiz" id="([^"]+)" data-kind="([^"]+)"', text):
            found.setdefault(kind, []).append((path, form_id))
    return found


def _first(quizzes, *kinds) -> tuple[str, str]:
    for kind in kinds:
        if quizzes.get(kind):
            return quizzes[kind][0]
    pytest.fail(f"no self-check question of kind {'/'.join(kinds)} in the book")


def _form(page: Page, form_id: str):
    form = page.locator(f'form.cg-quiz[id="{form_id}"]')
    answer = json.loads(form.get_attribute("data-answer"))
    return form, answer


def test_a_self_check_question_says_right_or_wrong_when_clicked(desktop, site, built_book):
    """Does a question say "Đúng rồi" and show the explanation for the right option, and "Chưa đúng" for a wrong one?"""
    path, form_id = _first(_quizzes(built_book), "single", "scenario", "truefalse")
    page = desktop.open(f"{site}/{path}")
    form, answer = _form(page, form_id)
    feedback, explanation = form.locator(".cg-feedback"), form.locator(".cg-explanation")
    options = form.locator("input[type=radio]").evaluate_all("els => els.map(e => e.value)")
    wrong = next(o for o in options if o not in answer)
    expect(explanation).to_be_hidden()

    form.locator(f'label[for="{form_id}-{answer[0]}"]').click()
    form.get_by_role("button", name="Kiểm tra").click()
    expect(feedback).to_contain_text("Đúng rồi")
    expect(explanation).to_be_visible()

    form.locator(f'label[for="{form_id}-{wrong}"]').click()
    form.get_by_role("button", name="Kiểm tra").click()
    expect(feedback).to_contain_text("Chưa đúng")
    expect(feedback).not_to_contain_text("Đúng rồi")
    expect(explanation).to_be_visible()
    page.close()


def test_a_self_check_question_can_be_answered_by_keyboard_alone(desktop, site, built_book):
    """Can a question be reached with Tab, answered with Space and checked with Enter?"""
    path, form_id = _first(_quizzes(built_book), "multiple", "single", "truefalse", "scenario")
    page = desktop.open(f"{site}/{path}")
    form, answer = _form(page, form_id)
    inputs = form.locator("input").evaluate_all("els => els.map(e => [e.id, e.value, e.type])")
    active = "() => document.activeElement && document.activeElement.id"
    inside = f"() => !!document.activeElement.closest('form[id=\"{form_id}\"]')"

    page.locator("body").focus()  # no click: the keyboard starts from the top of the page
    for _ in range(400):
        page.keyboard.press("Tab")
        if page.evaluate(inside):
            break
    assert page.evaluate(active) == inputs[0][0], "Tab does not reach the question's first option"

    if inputs[0][2] == "checkbox":  # each box is a tab stop: Space ticks the right ones
        for number, (input_id, value, _) in enumerate(inputs):
            assert page.evaluate(active) == input_id, f"Tab skipped option {input_id}"
            if value in answer:
                page.keyboard.press("Space")
            if number < len(inputs) - 1:
                page.keyboard.press("Tab")
    else:  # a radio group is one tab stop: Space picks the first, arrows move the choice
        page.keyboard.press("Space")
        for _ in range([v for _, v, _ in inputs].index(answer[0])):
            page.keyboard.press("ArrowDown")
    checked = form.locator("input:checked").evaluate_all("els => els.map(e => e.value)")
    assert sorted(checked) == sorted(answer)

    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('cg-check')")
    page.keyboard.press("Enter")
    expect(form.locator(".cg-feedback")).to_contain_text("Đúng rồi")
    expect(form.locator(".cg-explanation")).to_be_visible()
    page.close()


def test_an_ordering_question_is_checked_from_its_lists(desktop, site, built_book):
    """Does an ordering question say "Đúng rồi" for the right order chosen in its <select>s, and "Chưa đúng" for another?"""
    path, form_id = _first(_quizzes(built_book), "order")
    page = desktop.open(f"{site}/{path}")
    form, answer = _form(page, form_id)
    selects = form.locator("select[data-option]")
    assert selects.count() == len(answer) > 1

    def choose(order: list[str]) -> None:
        for i in range(selects.count()):
            select = selects.nth(i)
            select.select_option(str(order.index(select.get_attribute("data-option")) + 1))
        form.get_by_role("button", name="Kiểm tra").click()

    choose(answer)
    expect(form.locator(".cg-feedback")).to_contain_text("Đúng rồi")
    expect(form.locator(".cg-explanation")).to_be_visible()
    choose([answer[1], answer[0], *answer[2:]])
    expect(form.locator(".cg-feedback")).to_contain_text("Chưa đúng")
    page.close()


# ---------------------------------------------------------------- search

SCAM = "lừa đảo"


@pytest.mark.parametrize(
    "query",
    [SCAM, "lua dao", unicodedata.normalize("NFD", SCAM)],
    ids=["with-diacritics", "without-diacritics", "decomposed-NFD"],
)
def test_search_finds_the_chapter_on_the_scam(desktop, site, query):
    """Does searching for "lừa đảo", typed with, without or with decomposed diacritics, find the scam's chapter?"""
    page = desktop.open(f"{site}/search.html?q={quote(query)}")
    results = wait_for_search(page)
    heading = page.inner_text("#search-results h2")
    summary = page.inner_text("#search-results p.search-summary")
    page.close()
    assert SCAM_CHAPTER in results, f"search for {query!r} listed {results}"
    # Screen readers announce these two when the search ends: they must say something.
    assert heading.strip() and summary.strip(), f"the results have heading {heading!r}, summary {summary!r}"


def test_a_search_that_finds_nothing_says_so(desktop, site):
    """Does a search that finds no page say so, rather than end on an empty list?"""
    page = desktop.open(f"{site}/search.html?q={NOTHING_FOUND}")
    results = wait_for_search(page)
    summary = page.inner_text("#search-results p.search-summary")
    page.close()
    assert results == []
    assert summary.strip(), "the search page shows no message when nothing is found"


def test_the_search_box_takes_a_query(desktop, site):
    """Does typing into the search box of a chapter page lead to results that include the scam's chapter?"""
    page = desktop.open(f"{site}/{toc_pages()[1]}")
    page.locator("button.search-button__button:visible").first.click()
    box = page.locator("#pst-search-dialog input[name=q]")
    expect(box).to_be_focused()
    page.keyboard.type("lua dao")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\.html\?q=lua"))
    results = wait_for_search(page)
    page.close()
    assert SCAM_CHAPTER in results, f"the search box's query listed {results}"


# ---------------------------------------------------------------- phones, accessibility, language


def test_no_page_scrolls_sideways_on_a_phone(phone_tour):
    """At 375 px, does every page fit the screen's width, with nothing to scroll sideways?"""
    assert not phone_tour.stuck, phone_tour.stuck
    assert phone_tour.visited == toc_pages(), "the phone tour did not reach every page"
    wide = [
        f"{s.path}: page is {s.width['scrollWidth']} px wide in a {s.width['innerWidth']} px window; "
        f"sticking out: {', '.join(s.width['wide']) or '-'}"
        for s in phone_tour.pages
        if s.width["scrollWidth"] > s.width["innerWidth"] + 1 or s.width["innerWidth"] > 375
    ]
    assert not wide, "\n".join(wide)


@pytest.mark.parametrize("tour", ["desktop_tour", "phone_tour"], ids=["1280px", "375px"])
def test_axe_finds_no_serious_accessibility_problem(request, tour):
    """Does axe-core (WCAG 2.0/2.1 A and AA) find no serious or critical violation on any page?"""
    seen = request.getfixturevalue(tour)
    assert len(seen.pages) == len(toc_pages()) + 2
    problems = [describe_violation(s.path, v) for s in seen.pages for v in blocking(s.violations)]
    assert not problems, "\n".join(problems)


def test_the_interface_is_wholly_in_vietnamese(desktop_tour, phone_tour, english):
    """Is no English string of the theme or of Sphinx's search page shown, or read out by a label, on any page?"""
    assert len(english.patterns) > 40  # the catalogs were read
    problems = [
        f"{s.path}: {p}" for tour in (desktop_tour, phone_tour) for s in tour.pages for p in s.english
    ]
    assert not problems, "\n".join(sorted(set(problems)))


# ---------------------------------------------------------------- requests and errors (last)


def test_no_request_leaves_the_machine(desktop_tour, phone_tour, desktop, phone):
    """Does every request of every page opened, the search page included, go to 127.0.0.1?"""
    requests = desktop.requests + phone.requests
    urls = {urlsplit(url).path for _, url in requests}
    assert {f"/{p}" for p in toc_pages()} <= urls and "/search.html" in urls, "requests were not recorded"
    outside = sorted({f"{where}: {url}" for where, url in requests if not is_local(url)})
    assert not outside, "requests to other hosts:\n" + "\n".join(outside)


def test_no_console_or_page_error(desktop_tour, phone_tour, desktop, phone):
    """Does every page opened in the session load and run without a console error or an uncaught exception?"""
    assert desktop.requests and phone.requests
    errors = desktop.errors + phone.errors
    assert not errors, "\n".join(errors)
