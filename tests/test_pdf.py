"""`canhgiac pdf` (make pdf): the course on paper, read back with pypdf."""

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from answer_key import key_leaks
from browser_helpers import toc_pages
from pypdf import PdfReader

from canhgiac.bank import load_bank
from canhgiac.facts import load_facts
from canhgiac.tools import BIN

ROOT = Path(__file__).resolve().parents[1]
A4 = (595.3, 841.9)  # points


def plain(text: str) -> str:
    """NFC, one space for any run of white space: text as a PDF's extraction gives it back."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def page_title(html: Path) -> str:
    """The page's own title: the <h1> of its article (the one with a headerlink)."""
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", html.read_text(encoding="utf-8"), re.S)
    titles = [h.split('<a class="headerlink"')[0] for h in headings if 'class="headerlink"' in h]
    assert titles, f"{html}: no title"
    return plain(re.sub(r"<[^>]+>", "", titles[0]))


@pytest.fixture(scope="module")
def pdfs(built_book, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pdf")
    result = subprocess.run(
        [str(BIN / "canhgiac"), "pdf", str(built_book), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def read(path: Path) -> tuple[PdfReader, str]:
    reader = PdfReader(path)
    return reader, plain(" ".join(page.extract_text() or "" for page in reader.pages))


def fonts(reader: PdfReader) -> dict[str, bool]:
    """Every font of the PDF, and whether its glyphs are embedded."""
    found = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            found[str(font.get("/BaseFont"))] = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return found


def assert_a4_with_fonts_embedded(reader: PdfReader) -> None:
    for number, page in enumerate(reader.pages, 1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4[0]) < 2 and abs(height - A4[1]) < 2, (
            f"page {number}: {width}x{height} pt, not A4"
        )
    embedded = fonts(reader)
    assert embedded and all(embedded.values()), f"fonts not embedded: {embedded}"
    assert any("DejaVu" in name for name in embedded), embedded


def test_does_the_printed_book_hold_every_chapter_and_the_contacts_but_no_quiz(pdfs, built_book):
    """Is khoa-hoc.pdf an A4 book with its fonts embedded, every chapter, lesson and appendix
    title, every contact of the letter and the national channels, and no graded answer key?"""
    reader, text = read(pdfs / "khoa-hoc.pdf")
    assert len(reader.pages) > 20
    assert_a4_with_fonts_embedded(reader)
    quizzes = [p for p in toc_pages() if "/kiem-tra/" in p]
    printed = [p for p in toc_pages() if p not in quizzes]
    missing = [p for p in printed if page_title(built_book / p) not in text]
    assert not missing, f"chapters missing from the PDF: {missing}"
    for fact in load_facts().facts.values():
        if fact.group in ("lien-he-lang-son", "kenh-quoc-gia"):
            assert plain(fact.value) in text, fact.value
    assert "Trang 3/" in text, "no page numbers"
    questions = load_bank(ROOT / "quizzes" / "bank").graded()
    assert not key_leaks(text, questions)
    # The graded quizzes are taken on the web: none of their questions is on paper.  A question is
    # recognised by its scenario, or its text when that is long enough to be its own
    # ("Anh, chị nên làm gì?" is also ordinary prose).
    prompts = {q.id: plain(q.scenario or q.text) for q in questions}
    assert not [qid for qid, prompt in prompts.items() if len(prompt) >= 40 and prompt in text]


def test_is_the_handout_one_page_with_the_steps_and_the_letters_contacts(pdfs):
    """Is to-roi.pdf one A4 page with the chapter's checklist and the letter's contacts, from facts.yml?"""
    reader, text = read(pdfs / "to-roi.pdf")
    assert len(reader.pages) == 1
    assert_a4_with_fonts_embedded(reader)
    for step in (
        "Dừng lại và bình tĩnh",
        "Không chuyển tiền",
        "Lưu bằng chứng",
        "Trình báo ngay cơ quan Công an gần nhất",
    ):
        assert step in text, step
    facts = load_facts()
    for key, fact in facts.facts.items():
        if fact.group == "lien-he-lang-son":
            assert plain(fact.value) in text, key
    assert "113" in text
    assert not key_leaks(text, load_bank(ROOT / "quizzes" / "bank").graded())


def test_does_pdf_refuse_a_folder_without_a_built_book(tmp_path):
    """Does `canhgiac pdf` on an empty folder say, in Vietnamese, to build the book first?"""
    result = subprocess.run(
        [str(BIN / "canhgiac"), "pdf", str(tmp_path), "--out", str(tmp_path / "pdf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2  # DataError: the folder holds no built book
    assert "make book" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "pdf").exists()
