"""to-roi.pdf: one A4 page, "what to do if you are targeted", to pin on a notice board.

The steps are the checklist that ends the chapter "Khi bị đe dọa" (the section
labelled khi-bi-de-doa-danh-sach), taken from the built page, so the handout says
what the book says.  The contacts come from facts.yml: the letter's contacts in
Lạng Sơn and the national channels, each with its source and date.
"""

import html
from pathlib import Path

from canhgiac.facts import Fact, load_facts
from canhgiac.pdf.printer import PdfError, Printer

CHAPTER = "book/khi-bi-de-doa.html"
CHECKLIST = "khi-bi-de-doa-danh-sach"
GROUPS = {
    "lien-he-lang-son": "Đầu mối tại tỉnh Lạng Sơn (công văn nêu Phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao, Công an tỉnh)",
    "kenh-quoc-gia": "Kênh trên toàn quốc",
}

CHECKLIST_JS = """
(label) => {
  const anchor = document.getElementById(label);
  const section = anchor && anchor.closest("section");
  const list = section && section.querySelector("ol");
  if (!list) return null;
  const copy = list.cloneNode(true);
  copy.querySelectorAll("a").forEach((a) => a.replaceWith(...a.childNodes));
  copy.querySelectorAll("[id]").forEach((el) => el.removeAttribute("id"));
  return copy.outerHTML;
}
"""


def checklist(printer: Printer) -> str:
    page = printer.open(CHAPTER)
    try:
        steps = page.evaluate(CHECKLIST_JS, CHECKLIST)
    finally:
        page.close()
    if not steps:
        raise PdfError(f"không tìm thấy danh sách việc cần làm (#{CHECKLIST}) trong {CHAPTER}")
    return steps


def _month(as_of: str) -> str:
    parts = as_of.split("-")
    return "/".join(reversed(parts[1:])) + "/" + parts[0] if len(parts) > 1 else parts[0]


def contact_rows(facts=None) -> list[tuple[str, list[Fact]]]:
    facts = facts or load_facts()
    return [(heading, [f for _, f in facts.group(name)]) for name, heading in GROUPS.items()]


def compose(steps: str, facts=None) -> str:
    esc = html.escape
    facts = facts or load_facts()
    blocks = []
    for heading, rows in contact_rows(facts):
        items = "".join(
            f"<tr><th scope='row'>{esc(f.label)}</th><td><strong>{esc(f.value)}</strong>"
            + (f"<br><span class='cg-handout-small'>{esc(f.note)}</span>" if f.note else "")
            + "</td></tr>"
            for f in rows
        )
        blocks.append(f"<h2>{esc(heading)}</h2><table>{items}</table>")
    letter = facts.sources["cong-van-dinh-lap-2024"]
    return f"""<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><title>Khi bị đe dọa bằng hình ảnh cắt ghép: việc cần làm</title></head>
<body class="cg-handout">
<h1>Khi bị đe dọa bằng hình ảnh cắt ghép</h1>
<p class="cg-handout-lead">Nếu anh, chị nhận được tin nhắn, cuộc gọi hay thư kèm hình ảnh “nhạy cảm” bị ghép khuôn mặt
của mình và bị đòi tiền: <strong>anh, chị là nạn nhân, không phải người có lỗi</strong>. Hãy làm theo các bước sau.</p>
{steps}
<p class="cg-handout-urgent">Khi có nguy hiểm trước mắt: gọi <strong>113</strong>. Hoặc đến ngay Công an xã, phường gần nhất.</p>
{"".join(blocks)}
<p class="cg-handout-source">Nguồn: {esc(letter.title)}, {esc(letter.issuer)}, {_month(letter.date)}. {esc(letter.note or "")}
Các đầu mối ghi theo nguồn và ngày nguồn công bố; khi có thay đổi, xem trang “Phụ lục: Đầu mối liên hệ” của khóa học.</p>
</body>
</html>
"""


def build_handout_pdf(printer: Printer, target: Path) -> Path:
    return printer.print_html(compose(checklist(printer)), target, footer=False, one_page=True)
