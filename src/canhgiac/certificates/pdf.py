"""One certificate as an A4 landscape PDF, in a font that has every Vietnamese letter.

The font is DejaVu Sans, which ships with matplotlib (already installed for
the charts), embedded in the PDF as a subset with its Unicode map: the PDF
prints the same everywhere, and the name can be copied or searched in it
exactly as the roster spells it.  There is no picture of anyone.
"""

from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path

import matplotlib
from fpdf import FPDF

from canhgiac.certificates.wording import score_text, vietnamese_date
from canhgiac.text import nfc

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
WIDTH, HEIGHT = 297, 210  # A4 landscape, mm
MARGIN = 18
NAVY = (0, 56, 110)
# The widest a line of text may be, within the double frame.
TEXT_WIDTH = WIDTH - 2 * MARGIN - 16


@dataclass(frozen=True)
class Certificate:
    learner_id: str
    full_name: str
    agency: str  # "" to leave the line out
    score: float
    max_score: float
    issued: date
    course_title: str
    issuer: str = ""
    place: str = ""
    signer_title: str = ""
    draft: bool = False  # marked "BẢN NHÁP" on the page: the course's settings are not complete


# In a draft's metadata: a draft in a folder is never taken for an issued certificate.
DRAFT_KEYWORD = "canhgiac-ban-nhap"
DRAFT_MARK = "BẢN NHÁP"


def _fit(pdf: FPDF, text: str, style: str, size: float, width: float = TEXT_WIDTH) -> None:
    """Set the largest font size up to `size` at which `text` fits on one line."""
    while size > 8:
        pdf.set_font(FONT, style, size)
        if pdf.get_string_width(text) <= width:
            return
        size -= 1
    pdf.set_font(FONT, style, size)


def _line(pdf: FPDF, text: str, height: float, style: str = "", size: float = 14, color=(0, 0, 0)) -> None:
    _fit(pdf, text, style, size)
    pdf.set_text_color(*color)
    pdf.set_x(MARGIN + 8)
    pdf.cell(w=TEXT_WIDTH, h=height, text=text, align="C", new_x="LMARGIN", new_y="NEXT")


def certificate_pdf(cert: Certificate) -> bytes:
    """The certificate's PDF bytes (the same bytes for the same certificate)."""
    c = Certificate(**{k: nfc(v) if isinstance(v, str) else v for k, v in cert.__dict__.items()})
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_lang("vi")
    pdf.set_title(f"Giấy chứng nhận: {c.full_name}")
    pdf.set_subject(c.course_title)
    pdf.set_creator("canhgiac")
    if c.draft:
        pdf.set_keywords(DRAFT_KEYWORD)
    pdf.set_creation_date(_midnight(c.issued))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()

    # A double frame, printable on any office printer (no bleed, no fill).
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, WIDTH - 20, HEIGHT - 20)
    pdf.set_line_width(0.4)
    pdf.rect(13, 13, WIDTH - 26, HEIGHT - 26)

    # The header of a Vietnamese official document: the issuer left, the national motto right.
    half = (WIDTH - 2 * MARGIN) / 2
    pdf.set_text_color(0, 0, 0)
    top = MARGIN + 2
    if c.issuer:
        _fit(pdf, c.issuer, "B", 10, half - 6)
        pdf.set_xy(MARGIN, top)
        pdf.cell(w=half, h=6, text=c.issuer, align="C")
    pdf.set_font(FONT, "B", 10)
    pdf.set_xy(MARGIN + half, top)
    pdf.cell(w=half, h=6, text="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C")
    pdf.set_font(FONT, "B", 10.5)
    pdf.set_xy(MARGIN + half, top + 6)
    pdf.cell(w=half, h=6, text="Độc lập - Tự do - Hạnh phúc", align="C")
    motto = pdf.get_string_width("Độc lập - Tự do - Hạnh phúc")
    pdf.line(MARGIN + half + (half - motto) / 2, top + 12.5, MARGIN + half + (half + motto) / 2, top + 12.5)

    if c.draft:
        pdf.set_font(FONT, "B", 16)
        pdf.set_text_color(190, 0, 0)
        pdf.set_xy(MARGIN, 36)
        pdf.cell(
            w=WIDTH - 2 * MARGIN,
            h=8,
            text=f"{DRAFT_MARK}: chưa đủ thiết lập để cấp, không dùng để trao",
            align="C",
        )
        pdf.set_text_color(0, 0, 0)

    pdf.set_y(52)
    # What it certifies is what the report calls "Đạt" (passed), never "Hoàn thành" (completed): a
    # learner may pass the final test without having handed in every chapter quiz.
    _line(pdf, "GIẤY CHỨNG NHẬN", 16, "B", 32, NAVY)
    _line(pdf, "Chứng nhận", 8, "", 13)
    _line(pdf, c.full_name, 16, "B", 28)
    if c.agency:
        _line(pdf, f"Cơ quan, đơn vị: {c.agency}", 9, "", 14)
    pdf.ln(3)
    _line(pdf, "Đã đạt yêu cầu khóa bồi dưỡng", 9, "", 14)
    _line(pdf, f"“{c.course_title}”", 10, "B", 16, NAVY)
    _line(pdf, f"Điểm bài kiểm tra cuối khóa: {score_text(c.score, c.max_score)}", 9, "", 14)

    # Date and signature block, bottom right; the learner's ID, bottom left.
    dated = f"{c.place}, {vietnamese_date(c.issued)}" if c.place else vietnamese_date(c.issued).capitalize()
    pdf.set_font(FONT, "", 12)
    pdf.set_xy(MARGIN + half, 150)
    pdf.cell(w=half, h=7, text=dated, align="C")
    if c.signer_title:
        pdf.set_font(FONT, "B", 11)
        pdf.set_xy(MARGIN + half, 157)
        pdf.cell(w=half, h=7, text=c.signer_title, align="C")
        pdf.set_font(FONT, "", 9)
        pdf.set_xy(MARGIN + half, 163)
        pdf.cell(w=half, h=6, text="(Ký, ghi rõ họ tên và đóng dấu)", align="C")
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(80, 80, 80)
    pdf.set_xy(MARGIN + 4, HEIGHT - MARGIN - 10)
    pdf.cell(w=half, h=6, text=f"Mã học viên: {c.learner_id}")
    return bytes(pdf.output())


def _midnight(day: date):
    from datetime import datetime

    return datetime(day.year, day.month, day.day, tzinfo=UTC)
