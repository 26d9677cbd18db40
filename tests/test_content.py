"""The book's sources and its built output: Vietnamese done properly, offline, no secrets."""

import html
import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest
from answer_key import key_leaks

from canhgiac.bank import load_bank
from canhgiac.coverage import load_coverage
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


# ── The law in force, the letter's own words, one message for real or fake images ──
# Everything a learner, a trainer or a maintainer reads: pages, the bank, the data
# files, the notebooks, the README and the package's code and comments.
LAW_SOURCES = sorted(
    [*ROOT.glob("book/**/*.md"), *ROOT.glob("quizzes/**/*.yml"), *ROOT.glob("quizzes/**/*.py")]
    + [
        *ROOT.glob("src/canhgiac/**/*.py"),
        *ROOT.glob("src/canhgiac/data/*.yml"),
        *ROOT.glob("notebooks/*.ipynb"),
    ]
    + [ROOT / "README.md"]
)


def _lines(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        yield f"{path.relative_to(ROOT)}:{number}", line


def test_decree_13_2023_appears_only_as_repealed():
    """Is Decree 13/2023/NĐ-CP named only as replaced or repealed, and the law in force named instead?

    Since 01/01/2026 personal data is governed by Law 91/2025/QH15 and Decree 356/2025/NĐ-CP.
    """
    repealed = re.compile(r"thay thế|hết hiệu lực|repealed|replaced", re.IGNORECASE)
    current = [
        f"{where}: {line.strip()[:120]}"
        for path in LAW_SOURCES
        for where, line in _lines(path)
        if "13/2023" in line and not repealed.search(line)
    ]
    assert not current, "Decree 13/2023 presented as current:\n" + "\n".join(current)
    facts = load_facts().facts
    assert "91/2025/QH15" in facts["luat-bvdlcn"].value and "356/2025/NĐ-CP" in facts["nd-356-2025"].value
    for page in ("phong-ngua", "trinh-bao"):  # the chapters that teach personal data
        assert "91/2025/QH15" in (ROOT / "book" / f"{page}.md").read_text(encoding="utf-8"), page


# Where the course speaks of whom the criminals target, it says what the letter says:
# "chủ yếu là nam giới, có địa vị xã hội, nhất là các đồng chí lãnh đạo tỉnh, ban, sở,
# ngành, huyện". Officials and party members appear in the letter only as the people
# whose workplace information is collected.
_TARGETED = re.compile(r"nhắm tới|nhắm vào|bị nhắm|mục tiêu", re.IGNORECASE)


def _learner_sentences():
    sources = [
        *ROOT.glob("book/**/*.md"),
        *ROOT.glob("quizzes/bank/*.yml"),
        *ROOT.glob("src/canhgiac/data/*.yml"),
    ]
    for path in sources:
        for where, line in _lines(path):
            for sentence in re.split(r"(?<=[.;!?])\s+", line):
                yield where, sentence


def test_the_targets_are_those_the_letter_names():
    """Does no sentence, and no key of a question on who is targeted, name cán bộ, đảng viên as the targets?"""
    wrong = [
        f"{where}: {s.strip()[:140]}"
        for where, s in _learner_sentences()
        if _TARGETED.search(s) and "đảng viên" in s and not re.search(r"nguồn|nơi công tác|ở chỗ khác", s)
    ]
    assert not wrong, "\n".join(wrong)
    for q in load_bank(ROOT / "quizzes" / "bank").questions:
        if _TARGETED.search(q.text):
            keys = [o.text for o in q.options if o.id in q.answer]
            assert not [k for k in keys if "đảng viên" in k], f"{q.id}: {keys}"
    summary = next(p.summary for p in load_coverage().points if p.id == "thu-doan.doi-tuong")
    assert summary.startswith("Người bị nhắm tới chủ yếu là nam giới có địa vị xã hội, nhất là lãnh đạo tỉnh")


# "The image is fake" stated as a fact tells a learner whose image is real that the
# course is not for them. The course says "whether real or fake"; "fake" may appear
# only where the sentence is about not needing to prove it, or is conditional.
_FAKE_AS_FACT = re.compile(
    r"(hình ảnh|ảnh|video)( này| đó| mà anh, chị nhận được)? là (giả|cắt ghép|sản phẩm cắt ghép)\b",
    re.IGNORECASE,
)
_HEDGES = re.compile(
    r"chứng minh|nếu|dù|không chắc|thật hay giả|có thể|đã biết|xác minh|giải thích|tranh cãi|thanh minh|"
    r"biết ngay|để mọi người biết|không cần",
    re.IGNORECASE,
)


def test_no_page_or_question_states_that_the_image_is_fake():
    """Is "the image is fake" never stated as a fact (only "whether real or fake", or conditionally)?"""
    sources = [
        *ROOT.glob("book/**/*.md"),
        *ROOT.glob("src/canhgiac/data/*.yml"),
        *ROOT.glob("notebooks/*.ipynb"),
    ]
    claims = [
        f"{where}: {s.strip()[:140]}"
        for path in sources
        for where, line in _lines(path)
        for s in re.split(r"(?<=[.;!?])\s+", line)
        if _FAKE_AS_FACT.search(s) and not _HEDGES.search(s[: _FAKE_AS_FACT.search(s).start()])
    ]
    for q in load_bank(ROOT / "quizzes" / "bank").questions:
        keys = [o.text for o in q.options if o.id in q.answer]
        for text in [q.explanation, *keys]:
            for s in re.split(r"(?<=[.;!?])\s+", text):
                match = _FAKE_AS_FACT.search(s)
                if match and not _HEDGES.search(s[: match.start()]):
                    claims.append(f"{q.id}: {s[:140]}")
    assert not claims, "\n".join(claims)


# The questions a targeted official asks next, each answered in the chapter where a
# learner looks for it (label -> the page that must hold it).
NEW_TOPICS = {
    "khi-bi-de-doa-da-phat-tan": "book/khi-bi-de-doa",  # already posted: platforms and police
    "khi-bi-de-doa-da-gui-co-quan": "book/khi-bi-de-doa",  # sent to family or workplace; the unit's duties
    "trinh-bao-nguoi-bi-hai": "book/trinh-bao",  # the victim commits no offence; those who forward; discipline
    "trinh-bao-giu-bi-mat": "book/trinh-bao",  # confidential, anonymous reporting; why a name helps
    "thu-doan-o-nuoc-ngoai": "book/thu-doan",  # criminals abroad, and why reporting still matters
    "nhan-biet-hinh-anh-that": "book/nhan-biet",  # when the image is real
}


def test_every_new_topic_is_reachable_from_the_table_of_contents(built_book):
    """Is each new topic a section of a page in _toc.yml, listed in that page's own table of contents,
    with the page linked from the book's navigation?"""
    import yaml
    from sphinx.util.inventory import InventoryFile

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = {c["file"] for part in toc["parts"] for c in part["chapters"]}
    with (built_book / "objects.inv").open("rb") as stream:
        labels = InventoryFile.load(stream, "", lambda base, uri: uri).get("std:label", {})
    root = toc["root"]  # the first page, whose sidebar is the book's table of contents
    sidebar = re.search(
        r'<nav class="bd-links bd-docs-nav".*?</nav>',
        (built_book / f"{root}.html").read_text(encoding="utf-8"),
        re.S,
    ).group(0)
    for label, page in NEW_TOPICS.items():
        assert page in files, f"{page} is not in _toc.yml"
        uri = labels[label][2]
        assert uri.split("#")[0] == f"{page}.html", f"{label} is on {uri}, not on {page}"
        html_text = (built_book / f"{page}.html").read_text(encoding="utf-8")
        section = re.search(rf'<section id="([^"]+)">\s*<span id="{label}"></span>', html_text)
        assert section, f"{label} does not open a section of {page}"
        page_toc = re.search(r'id="pst-page-toc-nav".*?</nav>', html_text, re.S).group(0)
        assert f'href="#{section.group(1)}"' in page_toc, f"{label} is not in the page's table of contents"
        link = os.path.relpath(f"{page}.html", os.path.dirname(root))
        assert f'href="{link}"' in sidebar, f"{page} is not linked from the book's navigation"


def test_every_new_topic_is_checked_by_a_question():
    """Does at least one question (graded or self-check) test each new topic's section?"""
    bank = load_bank(ROOT / "quizzes" / "bank")
    for label in NEW_TOPICS:
        assert [q.id for q in bank.questions if q.section == label], f"no question on {label}"


def test_the_letter_is_not_given_a_month_or_a_subject_line():
    """Does the course avoid stating a month of issue for the district's letter, which its extract lacks?"""
    said = [
        f"{where}: {line.strip()[:120]}"
        for path in [
            *ROOT.glob("book/**/*.md"),
            *ROOT.glob("quizzes/bank/*.yml"),
            *ROOT.glob("src/canhgiac/data/*.yml"),
        ]
        for where, line in _lines(path)
        if re.search(r"tháng 12(/| năm )2024|\(tháng 12/2024\)|về việc tuyên truyền", line)
    ]
    assert not said, "\n".join(said)
    facts = load_facts()
    letter = facts.sources["cong-van-dinh-lap-2024"]
    assert letter.date == "sau 2024-12-04"
    assert all(
        f.as_of == "sau 2024-12-04"
        for _, f in facts.group("lien-he-lang-son")
        if f.source == "cong-van-dinh-lap-2024"
    )


def test_every_fact_keeps_its_source_and_date():
    """Does every fact of facts.yml name a source and the date on which that source stated it?"""
    facts = load_facts()
    for key, fact in facts.facts.items():
        assert fact.source in facts.sources and fact.as_of, key
