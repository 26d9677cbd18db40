"""The book's sources and its built output: Vietnamese done properly, offline, no secrets."""

import html
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest
from answer_key import key_leaks

from canhgiac.bank import load_bank
from canhgiac.facts import FACTS_FILE, load_facts

ROOT = Path(__file__).resolve().parents[1]
TEXT_SOURCES = sorted(
    [*ROOT.glob("book/**/*.md"), *ROOT.glob("quizzes/bank/*.yml"), *ROOT.glob("src/canhgiac/data/*.yml")]
    + [*ROOT.glob("src/canhgiac/sphinxext/locale/*/LC_MESSAGES/*.po"), ROOT / "_config.yml"]
)


@pytest.mark.parametrize("path", TEXT_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_text_is_utf8_nfc(path):
    """Is every learner-facing source UTF-8 in Unicode NFC?"""
    text = path.read_text(encoding="utf-8")
    bad = [i + 1 for i, line in enumerate(text.splitlines()) if not unicodedata.is_normalized("NFC", line)]
    assert not bad, f"lines not in NFC: {bad[:10]}"


def test_contacts_are_typed_once():
    """Do pages show phone numbers and e-mails through {fact}, never typed again by hand?"""
    # Short national numbers (113) are part of ordinary sentences ("gọi 113") and never change.
    values = [
        f.value for f in load_facts().facts.values() if f.kind in ("phone", "email") and len(f.value) > 4
    ]
    # The appendix quotes the letter word for word: that copy must not follow updates.
    verbatim = {ROOT / "book" / "phu-luc" / "cong-van.md"}
    for page in set(ROOT.glob("book/**/*.md")) - verbatim:
        text = re.sub(r"\{fact\}`[^`]*`", "", page.read_text(encoding="utf-8"))
        typed = [v for v in values if v in text]
        assert not typed, f"{page.relative_to(ROOT)} types {typed}: use {{fact}} (from {FACTS_FILE.name})"


def _pages(built_book: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in built_book.rglob("*.html")}


def test_contacts_reach_the_built_pages(built_book):
    """Does every contact of the letter appear, linked, on the contacts page?"""
    # Docutils "cloaks" e-mail addresses (character references, <span>@</span>, %40),
    # so the page is compared as a reader and a mail program see it.
    raw = (built_book / "book" / "phu-luc" / "lien-he.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", "", raw))
    hrefs = {unquote(html.unescape(h)) for h in re.findall(r'href="([^"]+)"', raw)}
    for fact in load_facts().facts.values():
        if fact.group == "lien-he-lang-son":
            assert fact.value in text
            if fact.href():
                assert fact.href() in hrefs


def test_the_book_holds_no_answer_key(built_book):
    """Does no file of the built book hold the key of a graded question, plain or encoded?

    The same check as for the released notebooks (tests/answer_key.py), on every
    file of the site: pages, scripts, styles, the search index.
    """
    questions = load_bank(ROOT / "quizzes" / "bank").graded()
    leaks = []
    for path in sorted(p for p in built_book.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8", errors="replace")
        leaks += [f"{path.relative_to(built_book)}: {leak}" for leak in key_leaks(text, questions)]
    assert not leaks, "\n".join(leaks[:20])


def test_graded_questions_are_only_on_their_quiz_page(built_book):
    """Is each graded question on its quiz page, as a question without answer, and on no other page?"""
    bank = load_bank(ROOT / "quizzes" / "bank")
    pages = _pages(built_book)
    for assignment in filter(bank.graded, bank.assignments()):
        quiz_page = built_book / "book" / "kiem-tra" / f"{assignment}.html"
        page = html.unescape(pages[quiz_page])
        # Nothing of the self-checks' answers: no data-answer, no "Đáp án đúng", no "Giải thích".
        assert "data-answer" not in page and "Đáp án đúng" not in page and "Giải thích:" not in page
        for q in bank.graded(assignment):
            assert q.text in page, f"{q.id} is not on {quiz_page.name}"
            others = [p for p, text in pages.items() if p != quiz_page and q.id in text]
            assert not others, f"{q.id} is on {[str(p.relative_to(built_book)) for p in others]}"


def test_every_quiz_has_its_page_in_the_book():
    """Does every assignment of the bank have its page in the part "Bài kiểm tra", titled as its notebook?"""
    import yaml

    from canhgiac.assign.notebook import quiz_title

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    part = next(p for p in toc["parts"] if p["caption"] == "Bài kiểm tra")
    files = [c["file"] for c in part["chapters"]]
    captions = [p["caption"] for p in toc["parts"]]
    assert captions[-2:] == ["Bài kiểm tra", "Phụ lục"], (
        "the quizzes come after the lessons, before the appendix"
    )
    bank = load_bank(ROOT / "quizzes" / "bank")
    for assignment in filter(bank.graded, bank.assignments()):
        assert f"book/kiem-tra/{assignment}" in files, f"no page for {assignment} in _toc.yml"
        source = (ROOT / "book" / "kiem-tra" / f"{assignment}.md").read_text(encoding="utf-8")
        assert f"\n# {quiz_title(assignment, ROOT / 'book')}\n" in source
        assert f"```{{graded-quiz}} {assignment}\n```" in source


def test_the_sources_are_not_published(built_book):
    """Does the site hold only HTML and assets, no copies of the Markdown or the bank?"""
    assert not (built_book / "_sources").exists()
    published = {p.suffix for p in built_book.rglob("*") if p.is_file()}
    assert not published & {".md", ".yml", ".yaml", ".ipynb", ".py"}


# Attributes that make the browser fetch something when the page loads.
_FETCHING = re.compile(
    r"""<(?:script|img|link|iframe|source|video|audio)\b[^>]*?\b(?:src|href)=["'](?P<url>[^"']+)"""
)


def test_pages_load_nothing_from_other_hosts(built_book):
    """Does no page's script, style, image or frame point at another host (CDN, fonts)?"""
    offenders = []
    for path, page in _pages(built_book).items():
        for match in _FETCHING.finditer(page):
            url = match.group("url")
            if re.match(r"^(https?:)?//", url):
                offenders.append(f"{path.relative_to(built_book)}: {url}")
    assert not offenders, offenders[:10]


def test_styles_import_nothing_from_other_hosts(built_book):
    """Do the stylesheets of the site avoid url() and @import of another host?"""
    for css in (built_book / "_static").rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"""(url\(|@import)\s*["']?(https?:)?//""", text), css.name
