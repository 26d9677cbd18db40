"""The learner on a phone (issue 17): the book in Chromium emulating a 375 x 812 touch screen, tapped.

Each test is a question a learner's thumb asks: does the ☰ open the course's
contents, does the page say how long it takes, can a quiz file be sent from the
phone, does search find a phone number, can the figures be read.  The menus
are tapped where a finger taps (touchscreen at the button's centre), not
clicked through Playwright's element API, which would find the themes' hidden
copy of the button as well.
"""

import json
import re
import runpy
from pathlib import Path
from urllib.parse import quote, urlsplit

import matplotlib
import pytest
from browser_helpers import is_local, toc_pages
from conftest import ROOT
from playwright.sync_api import Page, expect

from canhgiac.collect.contents import BookFile, CombinedFile, read_json_file
from canhgiac.lessons import faces

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PAGE_TYPES = {
    "chapter": "book/thu-doan.html",
    "lesson": "notebooks/tinh-huong.html",
    "quiz": "book/kiem-tra/thu-doan.html",
    "appendix": "book/phu-luc/lien-he.html",
}
REPORTING = "book/trinh-bao.html"
TRAINERS_GUIDE = "book/phu-luc/huong-dan-can-bo.html"
OPERATORS_GUIDE = "book/phu-luc/van-hanh.html"
# The guides for trainers and operators are where the commands belong.
STAFF_PAGES = {TRAINERS_GUIDE, OPERATORS_GUIDE}
SMALLEST_TEXT_PX = 12


@pytest.fixture(scope="module")
def errors() -> list[str]:
    return []


def _context(browser, errors: list[str], options: dict):
    context = browser.new_context(
        locale="vi-VN",
        service_workers="block",
        accept_downloads=True,
        timezone_id="Asia/Ho_Chi_Minh",
        **options,
    )
    context.set_default_timeout(20_000)  # CI machines are busy: 2 shared cores
    context.on("weberror", lambda e: errors.append(f"page error: {e.error}"))
    context.on("console", lambda m: m.type == "error" and errors.append(f"console error: {m.text}"))
    context.route(lambda url: not is_local(url), lambda route: route.abort())
    return context


@pytest.fixture(scope="module")
def phone(browser, errors):
    context = _context(browser, errors, PHONE)
    yield context
    context.close()


@pytest.fixture(scope="module")
def desktop(browser, errors):
    context = _context(browser, errors, DESKTOP)
    yield context
    context.close()


def _open(context, site: str, path: str) -> Page:
    page = context.new_page()
    page.goto(f"{site}/{path}")
    page.wait_for_load_state("load")
    return page


def _tap(page: Page, box: dict) -> None:
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


# What a finger at the centre of an element would touch, and whether it is on the screen.
REACHABLE_JS = """
(el) => {
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const onScreen = r.width > 0 && r.height > 0 && x >= 0 && x <= innerWidth && y >= 0 && y <= innerHeight;
  const hit = onScreen ? document.elementFromPoint(x, y) : null;
  return {onScreen, touched: !!hit && (hit === el || el.contains(hit))};
}
"""


# ---------------------------------------------------------------- the ☰ and page-contents buttons


@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_tapping_the_menu_button_opens_the_course_contents_and_tapping_again_closes_it(phone, site, kind):
    """On a phone, does tapping ☰ show the course's contents, with links a finger can reach, and tapping it again hide them?"""
    page = _open(phone, site, PAGE_TYPES[kind])
    toggle = page.locator(".bd-header-article button.primary-toggle")
    expect(toggle).to_be_visible()
    box = toggle.bounding_box()
    dialog = page.locator("#pst-primary-sidebar-modal")
    link = dialog.get_by_role("link", name="Trình báo", exact=True)

    _tap(page, box)
    expect(dialog).to_have_js_property("open", True)
    expect(link).to_be_visible()
    assert link.evaluate(REACHABLE_JS) == {"onScreen": True, "touched": True}, (
        "the course's links are covered"
    )
    expect(toggle).to_have_attribute("aria-expanded", "true")

    _tap(page, box)  # the same place again
    expect(dialog).to_have_js_property("open", False)
    # Back off the screen, left of it, once the theme has moved the contents back.
    page.wait_for_function(
        """() => { const s = document.getElementById("pst-primary-sidebar");
                   return s.classList.contains("bd-sidebar-primary") && s.getBoundingClientRect().right <= 0; }"""
    )
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.close()


def test_a_link_of_the_course_contents_leads_to_its_chapter(phone, site):
    """Does tapping a chapter in the opened contents open that chapter?"""
    page = _open(phone, site, PAGE_TYPES["chapter"])
    _tap(page, page.locator(".bd-header-article button.primary-toggle").bounding_box())
    link = page.locator("#pst-primary-sidebar-modal").get_by_role("link", name="Trình báo", exact=True)
    _tap(page, link.bounding_box())
    page.wait_for_url(re.compile(r"/book/trinh-bao\.html"))
    page.close()


@pytest.mark.parametrize("kind", ["chapter", "lesson", "appendix"])
def test_tapping_the_page_contents_button_opens_and_closes_the_pages_headings(phone, site, kind):
    """On a phone, does the page-contents button show this page's headings, and tapping it again hide them?"""
    page = _open(phone, site, PAGE_TYPES[kind])
    toggle = page.locator(".bd-header-article button.secondary-toggle")
    expect(toggle).to_be_visible()
    box = toggle.bounding_box()
    dialog = page.locator("#pst-secondary-sidebar-modal")

    _tap(page, box)
    expect(dialog).to_have_js_property("open", True)
    heading_link = dialog.locator("nav a").first
    expect(heading_link).to_be_visible()
    assert heading_link.evaluate(REACHABLE_JS) == {"onScreen": True, "touched": True}

    _tap(page, box)
    expect(dialog).to_have_js_property("open", False)
    page.close()


def test_on_a_desktop_the_menu_button_hides_and_shows_the_sidebar(desktop, site):
    """At 1280 px, does the ☰ button hide the left sidebar, and show it again?"""
    page = _open(desktop, site, PAGE_TYPES["chapter"])
    toggle = page.locator(".bd-header-article button.primary-toggle")
    sidebar = page.locator("#pst-primary-sidebar")
    expect(sidebar).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(sidebar).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(sidebar).to_be_visible()
    expect(page.locator("#pst-primary-sidebar-modal")).to_have_js_property("open", False)
    page.close()


def test_the_menu_button_shows_a_focus_ring(desktop, site):
    """Reached with Tab, does the ☰ button show a visible focus ring?"""
    page = _open(desktop, site, PAGE_TYPES["chapter"])
    page.locator("body").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('.bd-header-article .primary-toggle')"):
            break
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.className, s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    page.close()
    assert "primary-toggle" in ring[0], f"Tab never reached the ☰ button (focus on {ring[0]!r})"
    assert ring[1] != "none" and ring[2] >= 2, f"no focus ring: outline {ring[1]} {ring[2]} px"


# ---------------------------------------------------------------- how long it takes


def _minutes(built_book: Path, path: str) -> int | None:
    match = re.search(
        r'id="cg-reading-time" data-minutes="(\d+)"', (built_book / path).read_text(encoding="utf-8")
    )
    return int(match.group(1)) if match else None


def test_the_home_page_total_is_the_sum_of_the_pages_own_times(built_book):
    """Does every chapter, lesson and quiz page state its time, and the home page a total equal to their sum?"""
    pages = toc_pages()
    home = (built_book / pages[0]).read_text(encoding="utf-8")
    total = int(re.search(r'data-total-minutes="(\d+)"', home).group(1))
    own = {p: _minutes(built_book, p) for p in pages}
    untimed = [p for p, m in own.items() if m is None and "/phu-luc/" not in p]
    assert not untimed, f"pages without their time: {untimed}"
    assert all(own[p] for kind, p in PAGE_TYPES.items() if kind != "appendix")
    assert total == sum(m for m in own.values() if m), own
    hours, rest = divmod(total, 60)
    assert f"{hours} giờ {rest} phút" in home if rest else f"{hours} giờ" in home


def test_the_first_screen_of_the_home_page_says_how_long_and_starts_the_course(phone, site):
    """On a phone, does the home page's first screen state the total time, with a "Bắt đầu học" button that opens the first chapter?"""
    page = _open(phone, site, toc_pages()[0])
    total = page.locator(".cg-course-total")
    start = page.get_by_role("link", name="Bắt đầu học")
    for element in (total, start):
        assert element.evaluate(REACHABLE_JS)["onScreen"], "not on the first screen"
    expect(total).to_contain_text(re.compile(r"\d+ giờ"))
    _tap(page, start.bounding_box())
    page.wait_for_url(re.compile(r"/book/thu-doan\.html"))
    expect(page.locator("#cg-reading-time")).to_contain_text("phút")
    page.close()


# ---------------------------------------------------------------- search


def _search(page: Page, site: str, query: str) -> list[tuple[str, str]]:
    page.goto(f"{site}/search.html?q={quote(query)}")
    page.wait_for_function(
        """() => document.querySelector("#search-results p.search-summary")
                 && typeof Search !== "undefined" && Search._pulse_status < 0""",
        timeout=40_000,  # the whole index is loaded and each result's page fetched
    )
    items = page.locator("#search-results ul.search li")
    expect(items.locator("p.context")).to_have_count(items.count())  # every summary loaded
    return [
        (urlsplit(item.locator("a").first.get_attribute("href")).path.lstrip("/"), item.inner_text())
        for item in items.all()
    ]


def test_search_finds_numbers_with_the_heading_and_sentence_chapters_first(phone, site):
    """Does searching "113" list the reporting chapter first, with its section's heading and the sentence
    around the number, quiz pages after; and do "0918.340.491" and "170" find the chapter too?"""
    page = phone.new_page()
    results = _search(page, site, "113")
    paths = [p.split("/", 1)[-1] if p.startswith("_") else p for p, _ in results]
    assert paths and paths[0].endswith(REPORTING), results
    first = results[0][1]
    assert "Gọi 113 khi khẩn cấp" in first and "Số điện thoại khẩn cấp của Cảnh sát là 113." in first, first
    assert "http" not in first
    quiz_ranks = [i for i, p in enumerate(paths) if "/kiem-tra/" in p]
    chapter_ranks = [i for i, p in enumerate(paths) if "/kiem-tra/" not in p and "/phu-luc/" not in p]
    assert quiz_ranks and max(chapter_ranks) < min(quiz_ranks), paths
    for query in ("0918.340.491", "170"):
        found = [p for p, _ in _search(page, site, query)]
        assert any(p.endswith(REPORTING) for p in found), f"{query}: {found}"
    page.close()


def test_the_search_icon_does_not_cover_the_typed_text(phone, site):
    """In the search box of the search page and of the search dialog, is the magnifier left of the typed text?"""
    page = _open(phone, site, "search.html?q=113")
    boxes = [page.locator("form.bd-search").first]
    page.goto(f"{site}/{PAGE_TYPES['chapter']}")
    page.locator("button.search-button__button:visible").first.click()
    boxes.append(page.locator("#pst-search-dialog form.bd-search"))
    for form in boxes:
        icon = form.locator(".fa-magnifying-glass").bounding_box()
        field = form.locator("input[name=q]")
        text_left = field.evaluate(
            "(i) => i.getBoundingClientRect().left + parseFloat(getComputedStyle(i).paddingLeft)"
        )
        assert icon["x"] + icon["width"] <= text_left + 0.5, (icon, text_left)
    page.close()


# ---------------------------------------------------------------- tables, floating button


def test_contact_tables_read_as_cards_on_a_phone(phone, site):
    """At 375 px, does each row of the reporting chapter's tables read as a card, with nothing to swipe sideways?"""
    page = _open(phone, site, REPORTING)
    tables = page.locator("table.cg-facts")
    assert tables.count() >= 3
    for table in tables.all():
        shape = table.evaluate(
            """(t) => ({display: getComputedStyle(t.querySelector('tr')).display,
                       head: getComputedStyle(t.querySelector('thead')).display,
                       overflow: t.scrollWidth - t.clientWidth,
                       labels: [...t.querySelectorAll('tbody tr:first-child .cg-cell-label')]
                                 .filter((l) => l.offsetParent).map((l) => l.innerText)})"""
        )
        assert shape["display"] == "block" and shape["head"] == "none", shape
        assert shape["overflow"] <= 1, shape
        assert shape["labels"] == ["Thông tin: ", "Nguồn: "] or shape["labels"] == ["Thông tin:", "Nguồn:"], (
            shape
        )
    page.close()


# Every rectangle of the simulator's controls and text that the floating button overlaps.
COVERED_JS = """
() => {
  const b = document.getElementById("pst-back-to-top");
  const s = getComputedStyle(b);
  if (s.display === "none" || s.visibility === "hidden") return [];
  const r = b.getBoundingClientRect();
  return [...document.querySelectorAll(".cg-sim button, .cg-sim p, .cg-sim li, .cg-sim h3")].filter((el) => {
    const e = el.getBoundingClientRect();
    return e.width && e.height && e.left < r.right && e.right > r.left && e.top < r.bottom && e.bottom > r.top;
  }).map((el) => el.tagName + ": " + el.innerText.slice(0, 40));
}
"""


def test_the_back_to_top_button_never_covers_the_simulators_controls(phone, site):
    """Scrolling down and back up through a scenario, is "Lên đầu trang" never over a button or the text of the simulator?"""
    page = _open(phone, site, PAGE_TYPES["lesson"])
    page.locator("[data-start]").first.click()
    expect(page.locator(".cg-sim-play")).to_be_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    covered, shown = [], 0
    for y in range(300, height, 150):
        page.mouse.wheel(0, 200)  # down, then a little up: the theme shows the button
        page.wait_for_timeout(30)
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(60)
        shown += (
            page.evaluate("getComputedStyle(document.getElementById('pst-back-to-top')).display") == "block"
        )
        covered += page.evaluate(COVERED_JS)
    page.close()
    assert shown, "the button never showed: the test did not scroll up"
    assert not covered, covered[:5]


# ---------------------------------------------------------------- no developer material


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", html)


# What only developers and operators type: never on a learner's page (issue 12).  Case matters:
# the product names (JupyterLab, Jupyter Notebook) are for learners too, the commands are not.
DEVELOPER_WORDS = (
    "make ",
    ".venv/",
    "nbgrader",
    "Run All Cells",
    "jupyter lab",
    "jupyter notebook",
    "pip install",
)


def test_no_learner_page_holds_developer_material(built_book):
    """Does no page for learners (every page of the built book but the trainers' and operators' guides)
    mention `make `, `.venv/`, nbgrader, `jupyter lab` or `pip install`?"""
    found = []
    pages = {p.relative_to(built_book).as_posix() for p in built_book.rglob("*.html")} | set(toc_pages())
    for path in sorted(pages - STAFF_PAGES):
        text = _text((built_book / path).read_text(encoding="utf-8"))
        found += [f"{path}: {word!r}" for word in DEVELOPER_WORDS if word in text]
    assert not found, found
    guide = _text((built_book / TRAINERS_GUIDE).read_text(encoding="utf-8"))
    assert ".venv/bin/jupyter" in guide and "Run All Cells" in guide, "the commands left the book entirely"


def test_the_static_book_shows_no_hosted_course_links_and_asks_nothing(browser, site):
    """On the static book (no course service, no `canhgiac_hosted` cookie), does a page ask for no API and
    show no bar of the hosted course; and with the cookie but no service, does it stay as it is?"""
    context = browser.new_context(**PHONE)
    try:
        asked: list[str] = []
        context.on("request", lambda request: asked.append(request.url) if "/api/" in request.url else None)
        page = _open(context, site, PAGE_TYPES["lesson"])
        page.wait_for_load_state("networkidle")
        assert asked == [] and page.locator(".cg-hosted-bar").count() == 0
        assert page.get_by_text("Mở bài này trong JupyterLab của tôi").count() == 0
        context.add_cookies([{"name": "canhgiac_hosted", "value": "1", "url": site}])
        page.reload(wait_until="networkidle")
        assert any(url.endswith("/api/me") for url in asked), asked  # it asked, got no learner...
        assert page.locator(".cg-hosted-bar").count() == 0  # ...and added nothing
    finally:
        context.close()


# ---------------------------------------------------------------- figures


def _smallest_text_px(figure, dpi: float) -> float:
    sizes = [t.get_fontsize() for t in figure.findobj(matplotlib.text.Text) if t.get_text().strip()]
    assert sizes, "a figure with no text"
    return min(sizes) * dpi / 72


@pytest.fixture(scope="module")
def smallest_text() -> dict[str, float]:
    """Each figure of the book with text: the smallest text's height in the PNG's own pixels."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    runpy.run_path(str(ROOT / "book" / "figures" / "scam_steps.py"))
    plot_dpi = 110  # plot_formats in _config.yml
    found = {"scam_steps.png": _smallest_text_px(plt.gcf(), plot_dpi)}
    plt.close("all")
    found["cat-ghep-cac-buoc.png"] = _smallest_text_px(faces.steps_figure(), faces.FIGURE_DPI)
    for trace in faces.TRACE_IDS:
        found[f"dau-vet-{trace}.png"] = _smallest_text_px(faces.trace_figure(trace), faces.FIGURE_DPI)
    return found


TEXT_FREE = re.compile(r"anh-ghep-\d+\.png")  # the exhibits: drawn pictures, no text


@pytest.mark.parametrize("path", ["book/thu-doan.html", "notebooks/cat-ghep-khuon-mat.html"])
def test_every_figures_smallest_text_is_at_least_12_px_on_a_phone(phone, site, smallest_text, path):
    """At 375 px, is the smallest text of every figure at least 12 px high on the screen?"""
    page = _open(phone, site, path)
    images = page.locator(".bd-article img").evaluate_all(
        "els => els.map(i => [i.src.split('/').pop(), i.getBoundingClientRect().width, i.naturalWidth])"
    )
    page.close()
    assert images
    small = []
    for name, shown, natural in images:
        if TEXT_FREE.fullmatch(name):
            continue
        assert name in smallest_text, f"{name}: a figure this test does not know; add how to draw it"
        px = smallest_text[name] * shown / natural
        if px < SMALLEST_TEXT_PX:
            small.append(f"{name}: {px:.1f} px ({shown:.0f} of {natural} px wide)")
    assert not small, small


# ---------------------------------------------------------------- handing in from a phone

QUIZ = "thu-doan"
QUIZ_PAGE = f"book/kiem-tra/{QUIZ}.html"
SHARE_STUB = """
window.__shared = [];
Object.defineProperty(navigator, "canShare", {value: (data) => CAN_SHARE && !!(data && data.files), configurable: true});
Object.defineProperty(navigator, "share", {value: async (data) => {
  window.__shared.push({name: data.files[0].name, text: await data.files[0].text()});
}, configurable: true});
"""


def _hand_in(page: Page, learner: str, name: str):
    """Fill in the learner and hand in as is (nothing answered): the download."""
    expect(page.locator("form.cg-exam")).to_have_attribute("data-ready", "1")
    page.get_by_role("textbox", name="Mã học viên").fill(learner)
    page.get_by_role("textbox", name="Họ và tên").fill(name)
    page.get_by_role("button", name="Nộp bài", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Vẫn nộp bài").click()
    return download.value


@pytest.mark.parametrize("can_share", [True, False], ids=["share-sheet", "no-share-sheet"])
def test_after_handing_in_the_phone_offers_its_share_sheet_or_steps(browser, errors, site, can_share):
    """After "Nộp bài", is the file offered to the share sheet where canShare allows files, and otherwise
    downloaded with short steps to attach it?"""
    context = _context(browser, errors, PHONE)
    context.add_init_script(SHARE_STUB.replace("CAN_SHARE", "true" if can_share else "false"))
    page = _open(context, site, QUIZ_PAGE)
    download = _hand_in(page, "HV101", "Nguyễn Thị Lan")
    assert download.suggested_filename == f"HV101_{QUIZ}.json"  # the download is always kept
    share = page.get_by_role("button", name=re.compile("Gửi tệp qua Zalo"))
    steps = page.locator(".cg-exam-phone-steps")
    if can_share:
        expect(share).to_be_visible()
        expect(steps).to_be_hidden()
        _tap(page, share.bounding_box())
        page.wait_for_function("() => window.__shared.length === 1")
        shared = page.evaluate("() => window.__shared[0]")
        assert shared["name"] == f"HV101_{QUIZ}.json"
        assert json.loads(shared["text"])["learner"] == "HV101"
    else:
        expect(share).to_be_hidden()
        expect(steps).to_be_visible()
        expect(steps).to_contain_text(f"HV101_{QUIZ}.json")
        expect(steps).to_contain_text("Tải xuống")
    context.close()


def test_several_quizzes_handed_in_go_in_one_file_that_collect_reads(browser, errors, site, tmp_path):
    """After two quizzes handed in on one phone, does "Nộp tất cả" save <ID>_tat-ca.json holding both, read
    by `canhgiac collect` as the two quizzes' own files?"""
    context = _context(browser, errors, PHONE)
    page = _open(context, site, "book/kiem-tra/intro.html")
    alone = _hand_in(page, "HV102", "Trần Văn Đức")
    all_button = page.get_by_role("button", name=re.compile("Nộp tất cả"))
    expect(all_button).to_be_hidden()  # one quiz: nothing to put together
    page.goto(f"{site}/{QUIZ_PAGE}")
    _hand_in(page, "HV102", "Trần Văn Đức")
    expect(all_button).to_have_text("Nộp tất cả 2 bài trong một tệp")
    with page.expect_download() as download:
        all_button.click()
    assert download.value.suggested_filename == "HV102_tat-ca.json"
    path, alone_path = tmp_path / "HV102_tat-ca.json", tmp_path / "alone.json"
    download.value.save_as(path)
    alone.save_as(alone_path)
    context.close()

    combined = read_json_file(path.read_bytes())
    assert isinstance(combined, CombinedFile) and combined.learner == "HV102"
    assert sorted(b.assignment for b in combined.quizzes if isinstance(b, BookFile)) == ["intro", QUIZ]
    (intro,) = [b for b in combined.quizzes if b.assignment == "intro"]
    assert intro == read_json_file(alone_path.read_bytes()), (
        "the quiz in the combined file differs from its own file"
    )


def test_a_one_word_name_gets_a_gentle_question(phone, site):
    """With a one-word name, does "Nộp bài" first ask gently for the full name, then hand in if pressed again?"""
    page = _open(phone, site, QUIZ_PAGE)
    expect(page.locator("form.cg-exam")).to_have_attribute("data-ready", "1")
    page.get_by_role("textbox", name="Mã học viên").fill("HV103")
    name = page.get_by_role("textbox", name="Họ và tên")
    name.fill("Lan")
    submit = page.get_by_role("button", name="Nộp bài", exact=True)
    submit.click()
    expect(name).to_be_focused()
    expect(name).to_have_accessible_description(re.compile("mới có một chữ"))
    expect(name).not_to_have_attribute("aria-invalid", "true")  # a question, not an error
    expect(page.get_by_role("alert")).to_be_hidden()
    submit.click()  # the name is right as it is
    expect(page.get_by_role("alert")).to_contain_text("chưa làm xong")
    page.close()


def test_an_ordering_question_with_a_step_twice_is_not_counted_as_answered(phone, site):
    """If two steps of an ordering question get the same position, does the progress line not count it?"""
    page = _open(phone, site, "book/kiem-tra/nhan-biet.html")
    expect(page.locator("form.cg-exam")).to_have_attribute("data-ready", "1")
    question = page.locator('fieldset.cg-exam-question[data-kind="order"]').first
    selects = question.locator("select")
    for i in range(selects.count()):
        selects.nth(i).select_option("1")  # every step at position 1
    expect(page.locator(".cg-exam-progress").first).to_have_text(re.compile(r"Đã trả lời 0/\d+ câu"))
    for i in range(selects.count()):
        selects.nth(i).select_option(str(i + 1))
    expect(page.locator(".cg-exam-progress").first).to_have_text(re.compile(r"Đã trả lời 1/\d+ câu"))
    page.close()


# ---------------------------------------------------------------- self-checks


def _practice_forms(built_book: Path) -> list[tuple[str, str, list[str], list[str]]]:
    """(page, kind, options shown in order, answer) of every self-check of the book."""
    found = []
    for path in toc_pages():
        html = (built_book / path).read_text(encoding="utf-8")
        for form in re.findall(r'<form class="cg-quiz".*?</form>', html, flags=re.S):
            kind = re.search(r'data-kind="([^"]+)"', form).group(1)
            answer = json.loads(re.search(r"data-answer='([^']+)'", form).group(1).replace("&quot;", '"'))
            shown = re.findall(r'(?:value|data-option)="([^"]+)"', re.sub(r"<option[^>]*>", "", form))
            found.append((path, kind, list(dict.fromkeys(shown)), answer))
    return found


def test_self_check_options_do_not_give_the_answer_away(built_book):
    """Is the right option not first in most single-choice self-checks, and no ordering question shown in its right order?"""
    forms = _practice_forms(built_book)
    single = [(shown, answer) for _, kind, shown, answer in forms if kind in ("single", "scenario")]
    assert len(single) >= 5
    first = sum(shown[0] == answer[0] for shown, answer in single)
    assert first <= len(single) / 2, (
        f"the answer is first in {first} of {len(single)} single-choice self-checks"
    )
    ordered = [path for path, kind, shown, answer in forms if kind == "order" and shown == answer]
    assert not ordered, f"ordering questions shown in their right order: {ordered}"


def test_a_wrong_first_try_can_be_tried_again_before_the_explanation(phone, site, built_book):
    """After a wrong first try, is the explanation still hidden, and shown after a second wrong try?"""
    path, _, shown, answer = next(f for f in _practice_forms(built_book) if f[1] == "single")
    page = _open(phone, site, path)
    form = page.locator("form.cg-quiz").filter(has=page.locator(f'input[value="{shown[0]}"]')).first
    wrong = next(o for o in shown if o not in answer)
    explanation = form.locator(".cg-explanation")
    form.locator(f'input[value="{wrong}"]').check()
    form.get_by_role("button", name="Kiểm tra").click()
    expect(form.locator(".cg-feedback")).to_contain_text("thử lại")
    expect(explanation).to_be_hidden()
    form.get_by_role("button", name="Kiểm tra").click()
    expect(form.locator(".cg-feedback")).to_contain_text("Chưa đúng")
    expect(explanation).to_be_visible()
    page.close()


# ---------------------------------------------------------------- printing the report helper's summary


def test_printing_the_report_summary_gives_its_pages_and_no_blank_one(phone, site, tmp_path):
    """Printed (to PDF), is the report helper's summary on its own pages, none of them blank?"""
    from pypdf import PdfReader

    page = _open(phone, site, "notebooks/ho-tro-trinh-bao.html")
    form = page.locator(".cg-report-form")
    fields = form.locator("input[type=text], textarea")
    for i in range(fields.count()):
        fields.nth(i).fill(f"Nội dung thử số {i + 1}, không phải vụ việc thật.")
    page.evaluate("() => { window.print = () => {}; }")  # the button's print(): the class, no dialog
    form.locator('[data-action="build"]').click()
    summary = page.locator(".cg-report-summary")
    expect(summary).to_be_visible()
    form.locator('[data-action="print"]').click()
    expect(page.locator("body")).to_have_class(re.compile("cg-print-summary"))
    pdf = tmp_path / "tom-tat.pdf"
    page.pdf(path=str(pdf), format="A4")
    page.close()
    pages = [p.extract_text() or "" for p in PdfReader(pdf).pages]
    assert all(text.strip() for text in pages), f"blank pages among {len(pages)}"
    assert len(pages) <= 2, f"{len(pages)} pages for one summary"
    assert "Nội dung thử số 1" in pages[0]


def test_no_console_or_page_error(errors):
    """Did every page opened by these tests run without a console error or an uncaught exception?"""
    assert not errors, "\n".join(errors)
