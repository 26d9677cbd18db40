"""The report as one self-contained HTML page: inline CSS, charts as PNG data URIs, no script.

Everything the page shows is inside the file, so it opens offline, from an
e-mail attachment or a USB stick, and asks no server for anything.  Tables
have a caption and header cells with their scope for screen readers; wide
tables scroll sideways on a phone instead of squeezing the page.
"""

import base64
from collections.abc import Sequence
from datetime import date
from html import escape

from canhgiac.course import CourseRules
from canhgiac.course.model import CourseData
from canhgiac.report.tables import TOTAL, Cell, Shares, Table

CSS = """
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Segoe UI", Roboto, Arial, sans-serif; line-height: 1.5; margin: 0;
       color: #1a1a1a; background: #fff; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 2px solid #0072B2; }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
.summary { display: flex; flex-wrap: wrap; gap: 0.75rem; padding: 0; list-style: none; }
.summary li { border: 1px solid #ccc; border-radius: 6px; padding: 0.5rem 0.9rem; min-width: 9rem; }
.summary strong { display: block; font-size: 1.4rem; }
.notice { background: #fff4e0; border-left: 4px solid #E69F00; padding: 0.6rem 0.9rem; }
.note { color: #444; font-size: 0.92rem; }
.table-wrap { overflow-x: auto; margin: 0.5rem 0 1rem; }
table { border-collapse: collapse; font-size: 0.92rem; min-width: 50%; }
caption { text-align: left; font-weight: bold; padding: 0.3rem 0; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; vertical-align: top; }
thead th { background: #eef4fa; text-align: left; }
tbody th { text-align: left; font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total th, tr.total td { font-weight: bold; background: #f6f6f6; }
figure { margin: 1rem 0; }
img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #444; }
@media print { h2 { break-before: auto; } .table-wrap { overflow: visible; } }
"""


def number(value: Cell) -> str:
    """A figure as Vietnamese writes it: 1.234 learners, 83,3 (%), 'Bài kiểm tra cuối khóa (52,9%)'."""
    if value is None:
        return ""
    if isinstance(value, Shares):
        return value.text(",")
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return str(value)


def table_html(table: Table, *, caption: str | None = None, skip: Sequence[str] = (), slug: str = "") -> str:
    """One table, with its caption, its note and header cells scoped for screen readers (no hidden columns)."""
    keep = [i for i, c in enumerate(table.columns) if c not in skip and c not in table.hidden]
    ident = f"bang-{slug or table.name}"
    out = [f'<div class="table-wrap" role="region" aria-labelledby="{ident}" tabindex="0"><table>']
    out.append(f'<caption id="{ident}">{escape(caption or table.title)}</caption>')
    out.append(
        "<thead><tr>"
        + "".join(f'<th scope="col">{escape(table.columns[i])}</th>' for i in keep)
        + "</tr></thead>"
    )
    out.append("<tbody>")
    for row in table.rows:
        cls = ' class="total"' if row[0] == TOTAL else ""
        cells = []
        for j, i in enumerate(keep):
            value = row[i]
            if j == 0:
                cells.append(f'<th scope="row">{escape(number(value))}</th>')
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<td class="num">{escape(number(value))}</td>')
            else:
                cells.append(f"<td>{escape(number(value))}</td>")
        out.append(f"<tr{cls}>" + "".join(cells) + "</tr>")
    if not table.rows:
        out.append(f'<tr><td colspan="{len(keep)}">Chưa có dữ liệu.</td></tr>')
    out.append("</tbody></table></div>")
    if table.note:
        out.append(f'<p class="note">{escape(table.note)}</p>')
    return "\n".join(out)


def image_html(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{escape(alt)}"></figure>'


def reminders_html(table: Table) -> str:
    """The reminders as one table per agency, so that each can be sent to its agency."""
    agency_at = table.columns.index("Cơ quan")
    groups: dict[str, list[tuple]] = {}
    for row in table.rows:
        groups.setdefault(str(row[agency_at]), []).append(row)
    if not groups:
        return "<p>Mọi học viên đã nộp đủ bài và đạt. Không cần nhắc ai.</p>"
    parts = [f'<p class="note">{escape(table.note)}</p>']
    for i, (agency, rows) in enumerate(groups.items()):
        part = Table(table.name, table.title, table.sheet, table.columns, tuple(rows), hidden=table.hidden)
        parts.append(f"<h3>{escape(agency)}: {number(len(rows))} người</h3>")
        parts.append(table_html(part, caption=f"Cần nhắc, {agency}", skip=("Cơ quan",), slug=f"nhac-{i}"))
    return "\n".join(parts)


def rules_text(rules: CourseRules) -> str:
    chapters = (
        "cả bài cuối khóa và mọi bài theo chương phải đạt"
        if rules.require_chapter_quizzes
        else "chỉ bài cuối khóa phải đạt; các bài theo chương chỉ cần nộp"
    )
    attempt = "lần làm có điểm cao nhất" if rules.attempt == "best" else "lần nộp gần nhất"
    return (
        f"Điểm yêu cầu: {number(rules.pass_mark * 100)}% số điểm của bài ({chapters}). "
        f"Khi một bài được nộp nhiều lần, tính {attempt}."
    )


def report_html(
    data: CourseData,
    tables: dict[str, Table],
    charts: dict[str, bytes],
    rules: CourseRules,
    *,
    title: str,
    today: date,
    files: Sequence[str] = (),
) -> str:
    """The whole report page."""
    n = len(data.learners)
    done = sum(1 for r in tables["learners"].column("Hoàn thành") if r == "Có")
    passed = sum(1 for r in tables["learners"].column("Đạt") if r == "Có")
    pct = (lambda k: f"{number(round(100 * k / n, 1))}%") if n else (lambda k: "–")
    notices = []
    if not data.has_gradebook:
        notices.append(
            "Khóa học này chưa có sổ điểm. Hãy nhập danh sách học viên (canhgiac roster import) "
            "và chấm bài (canhgiac grade), rồi lập lại báo cáo."
        )
    elif not n:
        notices.append("Sổ điểm chưa có học viên nào. Hãy nhập danh sách học viên (canhgiac roster import).")
    elif not data.results:
        notices.append(
            "Chưa có bài nộp nào được chấm. Khi đã chấm bài (canhgiac grade), hãy lập lại báo cáo."
        )
    if data.final not in data.quiz_names:
        notices.append(f"Khóa học chưa có bài kiểm tra cuối khóa ({data.final}), nên chưa ai đạt.")

    body = [
        f"<h1>Báo cáo kết quả khóa học</h1><p>{escape(title)}</p>",
        f'<p class="note">Lập ngày {today.day:02d}/{today.month:02d}/{today.year}. {escape(rules_text(rules))}</p>',
        *[f'<p class="notice" role="status">{escape(text)}</p>' for text in notices],
        '<ul class="summary">',
        f"<li><strong>{number(n)}</strong>học viên</li>",
        f"<li><strong>{number(done)}</strong>hoàn thành ({pct(done)})</li>",
        f"<li><strong>{number(passed)}</strong>đạt ({pct(passed)})</li>",
        f"<li><strong>{number(n - passed)}</strong>chưa đạt</li>",
        "</ul>",
        "<h2>Theo cơ quan</h2>",
        image_html(
            charts["by_agency"],
            "Biểu đồ cột: tỷ lệ hoàn thành và tỷ lệ đạt của từng cơ quan; số liệu ở bảng dưới.",
        ),
        table_html(tables["by_agency"]),
        "<h2>Theo xã</h2>",
        image_html(
            charts["by_commune"],
            "Biểu đồ cột: tỷ lệ hoàn thành và tỷ lệ đạt của từng xã; số liệu ở bảng dưới.",
        ),
        table_html(tables["by_commune"]),
        "<h2>Các bài kiểm tra</h2>",
        table_html(tables["quizzes"]),
        "<h2>Phân bố điểm bài kiểm tra cuối khóa</h2>",
        image_html(
            charts["score_distribution"],
            "Biểu đồ cột: số học viên theo từng khoảng điểm; số liệu ở bảng dưới.",
        ),
        table_html(tables["score_distribution"]),
        "<h2>Cần nhắc</h2>",
        reminders_html(tables["reminders"]),
        "<h2>Phân tích câu hỏi</h2>",
        image_html(
            charts["questions"],
            "Biểu đồ cột: độ dễ của từng câu hỏi, tô màu theo nhận xét; số liệu ở bảng dưới.",
        ),
        table_html(tables["questions"]),
    ]
    if files:
        body.append("<h2>Các tệp kèm theo</h2>")
        body.append(
            '<p class="note">Cùng thư mục với trang này. Danh sách đầy đủ từng học viên ở learners.csv '
            "và trong report.xlsx.</p><ul>" + "".join(f"<li>{escape(f)}</li>" for f in files) + "</ul>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Báo cáo kết quả khóa học: {escape(title)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )
