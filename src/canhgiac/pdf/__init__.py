"""`canhgiac pdf`: the course on paper, printed by Chromium from the built book.

book     - khoa-hoc.pdf: the chapters, lessons and appendices (contacts included),
           without the graded quizzes, A4, page numbers, fonts embedded
handout  - to-roi.pdf: one A4 page of what to do when targeted, with the contacts
printer  - the built book served on 127.0.0.1 and Debian's Chromium (Playwright)
"""

from canhgiac.errors import DataError
from canhgiac.pdf.book import build_book_pdf
from canhgiac.pdf.handout import build_handout_pdf
from canhgiac.pdf.printer import PdfError, Printer

BOOK_PDF = "khoa-hoc.pdf"
HANDOUT_PDF = "to-roi.pdf"


def build_pdfs(html_root, out_dir) -> list:
    """Both PDFs of the built book at `html_root`, written into `out_dir`; their paths."""
    from pathlib import Path

    html_root, out_dir = Path(html_root), Path(out_dir)
    if not (html_root / "index.html").is_file():
        raise DataError(f"{html_root}: chưa có sách đã dựng (index.html). Hãy chạy: make book")
    out_dir.mkdir(parents=True, exist_ok=True)
    with Printer(html_root) as printer:
        book = build_book_pdf(printer, out_dir / BOOK_PDF)
        handout = build_handout_pdf(printer, out_dir / HANDOUT_PDF)
    return [book, handout]


__all__ = ["BOOK_PDF", "HANDOUT_PDF", "PdfError", "Printer", "build_pdfs"]
