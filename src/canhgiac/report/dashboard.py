"""The trainer's dashboard (notebooks/bang-dieu-khien.ipynb): the report's charts and tables, filtered.

The gradebook is read once (read_course); choosing an agency, a commune or a
quiz only recomputes the tables from that data, with the report's own
functions (canhgiac.report.view, which the hosted course's filtered report
shows too), so the dashboard shows exactly what the report would for the same
learners.
"""

from html import escape

import ipywidgets as widgets
from IPython.display import HTML, Image, display
from sqlalchemy.exc import SQLAlchemyError

from canhgiac.course import COURSE_ENV, Course, CourseNotGiven, CourseRules, resolve_course
from canhgiac.course.model import CourseData
from canhgiac.course.read import read_course
from canhgiac.datafile import DataError
from canhgiac.report.html import number, reminders_html, rules_text, table_html
from canhgiac.report.settings import ReportSettings
from canhgiac.report.view import view_chart, view_tables
from canhgiac.text import html_lines

ALL = "(tất cả)"
# The report's table styles, scoped to the dashboard's output so that JupyterLab's own page is untouched.
CSS = """<style>
.canhgiac-bang table { border-collapse: collapse; margin: 0.3em 0 1em; }
.canhgiac-bang caption { text-align: left; font-weight: bold; }
.canhgiac-bang th, .canhgiac-bang td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; }
.canhgiac-bang td.num { text-align: right; }
.canhgiac-bang tr.total th, .canhgiac-bang tr.total td { font-weight: bold; }
.canhgiac-bang .note { color: #555; font-size: 0.9em; }
</style>"""


def _html(text: str) -> HTML:
    return HTML(f'{CSS}<div class="canhgiac-bang">{text}</div>')


def _message(text: str) -> widgets.HTML:
    return widgets.HTML(f'<p style="border-left:4px solid #E69F00;padding:0.5em 1em">{html_lines(text)}</p>')


def show_view(
    data: CourseData,
    rules: CourseRules,
    settings: ReportSettings,
    agency: str | None = None,
    commune: str | None = None,
    quiz: str | None = None,
) -> None:
    """Display the figures of the learners of one agency and/or commune (None: all), for one quiz or all."""
    view = view_tables(data, rules, settings, agency, commune, quiz)
    n, done, passed = view.counts
    display(
        _html(
            f"<h2>{escape(view.where)}</h2><p>{number(n)} học viên: {number(done)} hoàn thành, "
            f"{number(passed)} đạt. {escape(rules_text(rules))}</p>"
        )
    )
    if not n:
        display(_html("<p>Không có học viên nào ở đây.</p>"))
        return
    display(Image(view_chart(view, "nhom", rules, settings)))
    display(_html(table_html(view.group)))
    display(_html(table_html(view.quizzes)))
    display(Image(view_chart(view, "diem", rules, settings)))
    display(_html(table_html(view.distribution)))
    if view.questions.rows:
        display(Image(view_chart(view, "cau-hoi", rules, settings)))
    display(_html(table_html(view.questions)))
    heading = f"Cần nhắc: {escape(view.data.title(quiz))}" if quiz else "Cần nhắc"
    display(_html(f"<h3>{heading}</h3>" + reminders_html(view.reminders)))


def dashboard(course_dir: str | None = None) -> widgets.Widget:
    """The dashboard of a course folder (None: $CANHGIAC_COURSE; `~` allowed), or what is missing."""
    try:
        course: Course = resolve_course(course_dir)  # "~/khoa-hoc-2026" is in the trainer's home
    except CourseNotGiven:
        return _message(
            "Chưa cho biết thư mục khóa học. Ghi đường dẫn vào dòng COURSE = ... của ô trên, ví dụ "
            f'COURSE = "~/khoa-hoc-2026", hoặc mở JupyterLab từ cửa sổ dòng lệnh đã đặt {COURSE_ENV} '
            "(export CANHGIAC_COURSE=~/khoa-hoc-2026), rồi chạy lại sổ tay này."
        )
    if not course.root.is_dir():
        return _message(
            f"Thư mục khóa học {course.root} không tồn tại. Hãy kiểm tra đường dẫn ghi ở dòng COURSE = ... "
            f"của ô trên (hoặc trong biến {COURSE_ENV}), rồi chạy lại sổ tay này."
        )
    try:
        data = read_course(course)
        rules, settings = course.rules, course.settings(ReportSettings)
    except DataError as exc:
        return _message(f"Không đọc được khóa học {course.root}:\n{exc}")
    except SQLAlchemyError as exc:
        return _message(f"Không đọc được sổ điểm của khóa học {course.root}: {exc.__class__.__name__}: {exc}")
    if not data.has_gradebook:
        return _message(
            f"Khóa học {course.root} chưa có sổ điểm. Hãy nhập danh sách học viên "
            "(canhgiac roster import) và chấm bài (canhgiac grade), rồi chạy lại sổ tay này."
        )
    agency = widgets.Dropdown(options=[ALL, *data.agencies()], description="Cơ quan")
    commune = widgets.Dropdown(options=[ALL, *data.communes()], description="Xã")
    quiz = widgets.Dropdown(
        options=[(ALL, ALL), *((data.title(q), q) for q in data.quiz_names)], description="Bài"
    )

    def communes_of(change) -> None:
        chosen = None if change["new"] == ALL else change["new"]
        commune.options = [ALL, *data.communes(chosen)]
        commune.value = ALL

    agency.observe(communes_of, names="value")

    def show(agency: str, commune: str, quiz: str) -> None:
        pick = lambda value: None if value == ALL else value  # noqa: E731
        show_view(data, rules, settings, pick(agency), pick(commune), pick(quiz))

    out = widgets.interactive_output(show, {"agency": agency, "commune": commune, "quiz": quiz})
    return widgets.VBox([widgets.HBox([agency, commune, quiz]), out])
