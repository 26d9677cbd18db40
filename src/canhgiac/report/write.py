"""Writing the report's files: the HTML page, the CSV tables, the workbook and the charts."""

import csv
import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from canhgiac.course import Course
from canhgiac.course.clock import today as course_today
from canhgiac.course.model import CourseData
from canhgiac.course.read import read_course
from canhgiac.datafile import DataError
from canhgiac.report.charts import all_charts
from canhgiac.report.html import report_html
from canhgiac.report.settings import ReportSettings
from canhgiac.report.tables import YES, Cell, Shares, Table, all_tables

HTML_FILE = "report.html"
XLSX_FILE = "report.xlsx"
CHARTS_DIR = "charts"


@dataclass(frozen=True)
class Written:
    folder: Path
    files: list[str]  # relative to folder
    learners: int
    completed: int
    passed: int


def csv_value(value: Cell) -> str:
    """A cell as CSV text: '' for nothing, 13 rather than 13.0, a dot as the decimal mark (in Shares too)."""
    if value is None:
        return ""
    if isinstance(value, Shares):
        return value.text(".")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def csv_bytes(table: Table) -> bytes:
    """The table as CSV, UTF-8 with a byte order mark.

    The BOM is for Excel: without it, Excel on Windows reads a CSV file in the
    system's code page (Windows-1258 in Vietnam) and garbles every diacritic;
    with it, Excel reads UTF-8.  Other programs (LibreOffice, Python's
    utf-8-sig, pandas) skip it.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([csv_value(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(tables: list[Table]) -> bytes:
    """One workbook, one sheet per table, numbers stored as numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(title=table.sheet[:31])
        for i, column in enumerate(table.columns, start=1):
            longest = max([len(column)] + [len(csv_value(r[i - 1])) for r in table.rows[:200]])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
        sheet.freeze_panes = "A2"
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append([csv_value(v) if isinstance(v, Shares) else v for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file: a report being read is never seen half written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise DataError(f"{path}: không ghi được tệp ({exc.strerror or exc}).") from None


def write_workbook(course: Course, data: CourseData, out: Path) -> Path:
    """Only the report's workbook, from data already read (the course service makes it when asked for)."""
    table_list = all_tables(data, course.rules, course.settings(ReportSettings))
    _write(Path(out) / XLSX_FILE, xlsx_bytes(table_list))
    return Path(out) / XLSX_FILE


def write_report(
    course: Course,
    out: Path,
    today: date | None = None,
    *,
    data: CourseData | None = None,
    workbook: bool = True,
) -> Written:
    """Read the course's gradebook and write every file of the report into `out`.

    `data`: the course already read (read_course).  workbook=False leaves the
    workbook out (the page still names it): it is the slowest file to make, and the
    course service makes it only when a trainer asks for it (write_workbook).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(f"{out}: đã có một tệp tên này; --out cần một thư mục.")
    rules, settings = course.rules, course.settings(ReportSettings)
    today = today or course_today(rules.tz)
    data = read_course(course) if data is None else data
    table_list = all_tables(data, rules, settings)
    tables = {t.name: t for t in table_list}
    charts = all_charts(tables, rules.pass_mark, settings)

    files = (
        [f"{t.name}.csv" for t in table_list] + [XLSX_FILE] + [f"{CHARTS_DIR}/{name}.png" for name in charts]
    )
    for table in table_list:
        _write(out / f"{table.name}.csv", csv_bytes(table))
    if workbook:
        _write(out / XLSX_FILE, xlsx_bytes(table_list))
    for name, png in charts.items():
        _write(out / CHARTS_DIR / f"{name}.png", png)
    html = report_html(data, tables, charts, rules, title=settings.course_title, today=today, files=files)
    _write(out / HTML_FILE, html.encode("utf-8"))

    learners = tables["learners"]
    return Written(
        folder=out,
        files=[HTML_FILE, *files],
        learners=len(learners.rows),
        completed=learners.column("Hoàn thành").count(YES),
        passed=learners.column("Đạt").count(YES),
    )
