"""The report seen from one agency, one commune and/or one quiz: the dashboard's filters, in one place.

The trainer's dashboard (notebooks/bang-dieu-khien.ipynb, dashboard.py) and
the hosted course's filtered report (the course service's report/loc) both
show `view_tables`: the report's own table functions run on the filtered
learners, so either shows exactly what `canhgiac report` would for them.
`view_html` writes them as one page with a plain GET form (no script: it works
under the strict Content-Security-Policy of `canhgiac deploy nginx`, and on a
phone).
"""

from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from canhgiac.course import CourseRules
from canhgiac.course.model import CourseData
from canhgiac.course.status import statuses
from canhgiac.report.html import CSS, number, reminders_html, rules_text, table_html
from canhgiac.report.settings import ReportSettings
from canhgiac.report.tables import (
    YES,
    Table,
    by_group,
    learners_table,
    questions_table,
    quizzes_table,
    reminders_table,
    score_distribution_table,
)

# The query's names: ?co_quan=...&xa=...&bai=... (an empty value: all).
AGENCY, COMMUNE, QUIZ = "co_quan", "xa", "bai"
ALL = "(tất cả)"


@dataclass(frozen=True)
class View:
    agency: str | None
    commune: str | None
    quiz: str | None
    data: CourseData  # the filtered course
    learners: Table
    group: Table  # by commune when an agency is chosen, else by agency
    quizzes: Table
    distribution: Table
    questions: Table
    reminders: Table

    @property
    def where(self) -> str:
        return ", ".join(x for x in (self.agency, self.commune) if x) or "Toàn khóa học"

    @property
    def counts(self) -> tuple[int, int, int]:
        """Learners, completed, passed."""
        rows = self.learners
        return len(rows.rows), rows.column("Hoàn thành").count(YES), rows.column("Đạt").count(YES)


def view_tables(
    data: CourseData,
    rules: CourseRules,
    settings: ReportSettings,
    agency: str | None = None,
    commune: str | None = None,
    quiz: str | None = None,
) -> View:
    """The report's tables for the learners of one agency and/or commune (None: all), one quiz or all."""
    view = data.filtered(agency, commune)
    status = statuses(view, rules)
    return View(
        agency=agency,
        commune=commune,
        quiz=quiz,
        data=view,
        learners=learners_table(view, status),
        group=by_group(view, status, "commune" if agency else "agency"),
        quizzes=quizzes_table(view, rules),
        distribution=score_distribution_table(view, quiz),
        questions=questions_table(view, settings, [quiz] if quiz else None),
        reminders=reminders_table(view, status, quiz),
    )


# The view's charts, by the name the hosted page asks for them (report/loc/bieu-do/<name>.png),
# with the text that stands for each chart when it is not drawn (alt).  The dashboard shows the same.
CHARTS = {
    "nhom": "Biểu đồ tỷ lệ hoàn thành và tỷ lệ đạt theo nhóm; số liệu ở bảng ngay dưới.",
    "diem": "Biểu đồ phân bố điểm, có vạch điểm đạt; số liệu ở bảng ngay dưới.",
    "cau-hoi": "Biểu đồ chỉ số dễ của từng câu hỏi; số liệu ở bảng ngay dưới.",
}


def view_chart(view: View, name: str, rules: CourseRules, settings: ReportSettings) -> bytes | None:
    """One of the view's charts (CHARTS) as PNG bytes; None when there is nothing to draw."""
    from canhgiac.report.charts import distribution_chart, questions_chart, rates_chart

    if not view.learners.rows:
        return None
    if name == "nhom":
        return rates_chart(view.group)
    if name == "diem":
        return distribution_chart(view.distribution, rules.pass_mark)
    if name == "cau-hoi":
        return questions_chart(view.questions, settings) if view.questions.rows else None
    raise KeyError(name)


def _figure(chart_link: str | None, name: str, query: dict[str, str]) -> str:
    """An <img> of a chart, loaded after the page (the tables first, on a slow connection)."""
    if chart_link is None:
        return ""
    src = chart_link.format(name=name) + (f"?{urlencode(query)}" if query else "")
    return (
        f'<figure class="chart"><img src="{escape(src)}" alt="{escape(CHARTS[name])}" '
        'loading="lazy" decoding="async"></figure>'
    )


def chosen(
    data: CourseData, agency: str, commune: str, quiz: str
) -> tuple[str | None, str | None, str | None]:
    """The filters of a query as the view takes them: None for all, or for a value the course does not have."""
    agency_ = agency if agency in data.agencies() else None
    commune_ = commune if commune in data.communes() else None
    quiz_ = quiz if quiz in data.quiz_names else None
    return agency_, commune_, quiz_


FORM_CSS = """
form.loc { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-end; margin: 1rem 0;
           padding: 0.75rem; background: #eef4fa; border-radius: 6px; }
form.loc .field { display: flex; flex-direction: column; flex: 1 1 14rem; min-width: 0; }
form.loc label { font-weight: bold; }
form.loc select { font: inherit; padding: 0.5rem; min-height: 2.75rem; max-width: 100%; margin-top: 0.25rem; }
form.loc button { font: inherit; font-weight: bold; padding: 0.6rem 1.4rem; min-height: 2.75rem;
                  border: 0; border-radius: 6px; background: #0072B2; color: #fff; }
nav.links { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; }
nav.links a { padding: 0.4rem 0; }
figure.chart { margin: 1rem 0; }
figure.chart img { display: block; width: 100%; max-width: 48rem; height: auto; }
"""


def _select(name: str, label: str, options: list[tuple[str, str]], value: str | None) -> str:
    items = [f'<option value="">{escape(ALL)}</option>']
    for key, text in options:
        mark = " selected" if key == value else ""
        items.append(f'<option value="{escape(key)}"{mark}>{escape(text)}</option>')
    return (
        f'<div class="field"><label for="loc-{name}">{escape(label)}</label>'
        f'<select id="loc-{name}" name="{name}">{"".join(items)}</select></div>'
    )


def view_html(
    data: CourseData,
    view: View,
    rules: CourseRules,
    *,
    title: str,
    made: str,
    full_report: str,
    csv_link: str,
    chart_link: str | None = None,
) -> str:
    """The filtered report as one page: the form (Cơ quan, Xã, Bài), the view's tables and, with
    `chart_link` (a format with {name}: where view_chart's PNGs are served), its charts.

    `data` is the whole course (the form's choices), `made` says when its figures were read,
    `full_report` and `csv_link` (a format with {name}) are the links to the whole report and its CSVs.
    """
    query = {k: v for k, v in ((AGENCY, view.agency), (COMMUNE, view.commune), (QUIZ, view.quiz)) if v}
    n, done, passed = view.counts
    form = (
        '<form class="loc" method="get" action="" role="search" aria-label="Lọc báo cáo">'
        + _select(AGENCY, "Cơ quan", [(a, a) for a in data.agencies()], view.agency)
        + _select(COMMUNE, "Xã", [(c, c) for c in data.communes(view.agency)], view.commune)
        + _select(QUIZ, "Bài", [(q, data.title(q)) for q in data.quiz_names], view.quiz)
        + '<button type="submit">Lọc</button></form>'
    )
    body = [
        f"<h1>Báo cáo theo cơ quan, xã và bài</h1><p>{escape(title)}</p>",
        f'<p class="note">Số liệu đọc từ sổ điểm lúc {escape(made)}. {escape(rules_text(rules))}</p>',
        form,
        f"<h2>{escape(view.where)}</h2>",
        '<ul class="summary">',
        f"<li><strong>{number(n)}</strong>học viên</li>",
        f"<li><strong>{number(done)}</strong>hoàn thành</li>",
        f"<li><strong>{number(passed)}</strong>đạt</li>",
        "</ul>",
    ]
    if not n:
        body.append("<p>Không có học viên nào ở đây.</p>")
    else:
        body += [_figure(chart_link, "nhom", query), table_html(view.group), table_html(view.quizzes)]
        body += [_figure(chart_link, "diem", query), table_html(view.distribution)]
        if view.questions.rows:
            body.append(_figure(chart_link, "cau-hoi", query))
        body.append(table_html(view.questions))
        heading = f"Cần nhắc: {escape(view.data.title(view.quiz))}" if view.quiz else "Cần nhắc"
        body.append(f"<h2>{heading}</h2>")
        if view.agency or view.commune:
            body.append(reminders_html(view.reminders))
            body.append("<h2>Học viên</h2>")
            body.append(table_html(view.learners, skip=("Email",)))
        else:
            body.append(
                f"<p>{number(len(view.reminders.rows))} học viên cần nhắc. Hãy chọn một cơ quan hoặc một xã "
                "để xem danh sách từng người.</p>"
            )
    body.append(
        '<nav class="links" aria-label="Tải về">'
        f'<a href="{escape(full_report)}">Báo cáo đầy đủ</a>'
        f'<a href="{escape(csv_link.format(name="learners"))}">Danh sách học viên (CSV)</a>'
        f'<a href="{escape(csv_link.format(name="reminders"))}">Cần nhắc (CSV)</a>'
        + (f'<a href="?{escape(urlencode(query))}">Liên kết tới trang lọc này</a>' if query else "")
        + "</nav>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Báo cáo theo cơ quan, xã và bài: {escape(title)}</title>\n"
        f"<style>{CSS}{FORM_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
