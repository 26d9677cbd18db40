"""The interactive lessons of notebooks/ in the static book: complete without a kernel.

The book does not execute notebooks (execute_notebooks: "off"), and a widget that
is not executed shows as a blank area; embedding widget state would load the
widget manager from a CDN.  So each lesson cell of a notebook names, in its
metadata, the part of the lesson it shows:

    "metadata": {"canhgiac": {"book": "scenario-simulator"}}

and this extension puts in its place the same part, built at build time from the
same data and drawing code, working in the browser with no kernel and no network
(static/canhgiac-lessons.js): the scenario simulator, the drawn figures, the
"find the traces" exercise (checked like the self-check questions, by
canhgiac.js), and the report helper's form.  Before the first one, a note says
that the page needs nothing installed, and that a hosted course gives a link to
the notebook (the commands for one's own machine are in the trainer's guide).  In JupyterLab, the learner sees only
the cell's code, which shows the ipywidgets version (canhgiac.lessons.widgets).

The figures are drawn into _static/lessons/ when the build finishes.
"""

import json
from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

from canhgiac.bank import Option, Question
from canhgiac.datafile import DataError
from canhgiac.facts import FACTS_FILE, load_facts
from canhgiac.lessons import faces, report_helper
from canhgiac.lessons.scenarios import CHANNEL_LABELS, SCENARIOS_FILE, load_scenarios, page_data
from canhgiac.sphinxext.practice import question_html

logger = logging.getLogger(__name__)

METADATA_KEY = "canhgiac"
IMAGES = "lessons"  # the folder of the drawn figures, in _static/


def _json_script(data: object, css_class: str) -> str:
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/json" class="{css_class}">{text}</script>'


def _img(root: str, name: str, alt: str, width: int, height: int) -> str:
    return f'<img src="{root}_static/{IMAGES}/{name}" alt="{escape(alt)}" width="{width}" height="{height}">'


# ---------------------------------------------------------------- the parts


def scenario_simulator(root: str) -> str:
    data = load_scenarios()
    cards = "".join(
        f'<li class="cg-sim-card"><h3 id="cg-sim-{s.id}">{escape(s.title)}</h3>'
        f'<p class="cg-sim-channel">{escape(CHANNEL_LABELS[s.channel])}</p>'
        f"<p>{escape(s.intro)}</p>"
        f'<button type="button" class="cg-button" data-start="{s.id}" '
        f'aria-label="Bắt đầu tình huống: {escape(s.title)}">Bắt đầu tình huống</button></li>'
        for s in data.scenarios
    )
    return (
        '<div class="cg-lesson cg-sim" data-cg-sim>'
        f"{_json_script(page_data(data), 'cg-sim-data')}"
        '<div class="cg-sim-menu">'
        "<p>Chọn một tình huống để bắt đầu. Ở mỗi bước, hãy chọn việc anh, chị sẽ làm: mỗi lựa chọn cho biết "
        "điều gì xảy ra tiếp theo và vì sao. Cuối tình huống có bản tổng kết những việc đã làm tốt và những "
        "việc chưa nên làm. Các tình huống, tên tài khoản, số tiền đều là giả định.</p>"
        f'<ul class="cg-sim-list">{cards}</ul></div>'
        '<div class="cg-sim-play" hidden></div>'
        "<noscript><p>Trình duyệt đang tắt JavaScript, nên không chơi được tình huống trên trang này. "
        "Các bước xử lý đúng có trong chương “Khi bị đe dọa”.</p></noscript>"
        "</div>"
    )


STEPS_ALT = (
    "Bốn hình vẽ minh họa. 1: ảnh chân dung một người đàn ông trên nền xanh nhạt. 2: cùng ảnh đó, khuôn "
    "mặt được khoanh bằng đường nét đứt màu cam. 3: một người khác đứng phát biểu sau bục trong phòng họp, "
    "cửa sổ ở bên phải. 4: cảnh phát biểu đó, khuôn mặt đã được thay bằng khuôn mặt ở ảnh 1; quanh mặt lộ "
    "ra một vành màu xanh nhạt, và da mặt sáng hơn da cổ."
)


def paste_steps(root: str) -> str:
    return (
        '<figure class="cg-lesson cg-lesson-figure">'
        f"{_img(root, 'cat-ghep-cac-buoc.png', STEPS_ALT, *faces.STEPS_SIZE)}"
        "<figcaption>Các bước cắt ghép một khuôn mặt. Mọi hình trong bài đều là hình vẽ, không phải ảnh chụp "
        "người thật.</figcaption></figure>"
    )


def traces(root: str) -> str:
    items = "".join(
        f'<div class="cg-trace"><h3>{escape(t.label)}</h3><p>{escape(t.look_for)}</p>'
        '<figure class="cg-lesson-figure">'
        + _img(
            root,
            f"dau-vet-{t.id}.png",
            f"Hai hình phóng to vùng khuôn mặt: ở trên có dấu vết “{t.label.lower()}”, ở dưới ghép khéo "
            f"hơn. {t.shown}",
            *faces.TRACE_SIZE,
        )
        + f"<figcaption>Trong hình: {escape(t.shown)}</figcaption></figure></div>"
        for t in faces.TRACES
    )
    return f'<div class="cg-lesson cg-traces">{items}</div>'


def exhibit_question(exhibit: faces.Exhibit) -> Question:
    """An exhibit as a self-check question: the book's script (canhgiac.js) checks it in the browser."""
    return Question(
        id=exhibit.id,
        practice=True,
        kind="multiple",
        text=faces.EXERCISE_QUESTION,
        options=[Option(id=oid, text=label) for oid, label in faces.exercise_options()],
        answer=exhibit.answer(),
        explanation=exhibit.explanation(),
        section="notebooks-cat-ghep",
    )


def trace_exercise(root: str) -> str:
    items = "".join(
        '<div class="cg-exhibit"><figure class="cg-lesson-figure">'
        + _img(
            root,
            f"anh-ghep-{e.number}.png",
            f"Ảnh ghép số {e.number}: bên trái là toàn cảnh một người đứng phát biểu sau bục, vùng khuôn mặt "
            "được đóng khung màu cam; bên phải là vùng đó phóng to.",
            854,
            360,
        )
        + f"<figcaption>Ảnh ghép số {e.number}</figcaption></figure>"
        + question_html(exhibit_question(e), e.number)
        + "</div>"
        for e in faces.EXHIBITS
    )
    return f'<div class="cg-lesson cg-practice cg-exercise">{items}</div>'


BROWSER_PRIVACY = (
    "Những gì anh, chị nhập chỉ nằm trong trang này, trên máy của anh, chị: trang không gửi đi đâu và không "
    "lưu lại. Khi đóng hoặc tải lại trang, mọi thông tin đã nhập sẽ mất; muốn giữ một bản, hãy bấm "
    "“Tải về tệp văn bản” hoặc “In bản tóm tắt”."
)


def _field_html(f: report_helper.Field) -> str:
    base = f"cg-report-{f.id}"
    hint = f'<p class="cg-hint" id="{base}-hint">{escape(f.hint)}</p>' if f.hint else ""
    described = f' aria-describedby="{base}-hint"' if f.hint else ""
    if f.kind == "choices":
        boxes = "".join(
            f'<li><input type="checkbox" id="{base}-{oid}" data-field="{f.id}" value="{oid}">'
            f'<label for="{base}-{oid}">{escape(label)}</label></li>'
            for oid, label in f.options
        )
        return (
            f'<fieldset class="cg-field cg-field-choices"{described}><legend>{escape(f.prompt)}</legend>{hint}'
            f'<ul class="cg-options">{boxes}</ul></fieldset>'
        )
    if f.kind == "lines":
        control = f'<textarea id="{base}" data-field="{f.id}" rows="3"{described}></textarea>'
    else:
        kind = {"date": "date", "time": "time"}.get(f.kind, "text")
        control = f'<input type="{kind}" id="{base}" data-field="{f.id}"{described}>'
    return f'<div class="cg-field"><label for="{base}">{escape(f.prompt)}</label>{hint}{control}</div>'


def report_form(root: str) -> str:
    sections = "".join(
        f"<fieldset><legend>{escape(section)}</legend>"
        + "".join(_field_html(f) for f in report_helper.FIELDS if f.section == section)
        + "</fieldset>"
        for section in report_helper.SECTIONS
    )
    buttons = (
        '<div class="cg-report-buttons">'
        '<button type="button" class="cg-button" data-action="build">Tạo bản tóm tắt</button>'
        '<button type="button" class="cg-button cg-secondary" data-action="print" disabled>In bản tóm tắt</button>'
        '<button type="button" class="cg-button cg-secondary" data-action="download" disabled>'
        "Tải về tệp văn bản</button>"
        '<button type="button" class="cg-button cg-secondary" data-action="clear">Xóa hết</button></div>'
    )
    # No `name` on any field and no `action`: even a submitted form would send nothing.
    return (
        '<div class="cg-lesson cg-report" data-cg-report>'
        f"{_json_script(report_helper.page_data(load_facts()), 'cg-report-data')}"
        f'<p class="cg-report-privacy">{escape(BROWSER_PRIVACY)}</p>'
        f'<form class="cg-report-form" autocomplete="off" novalidate>{sections}{buttons}</form>'
        '<p class="cg-report-status" role="status" aria-live="polite"></p>'
        '<section class="cg-report-summary" aria-label="Bản tóm tắt" hidden></section>'
        "<noscript><p>Trình duyệt đang tắt JavaScript: anh, chị có thể in trang này và ghi tay vào các mục "
        "trên.</p></noscript>"
        "</div>"
    )


PARTS = {
    "scenario-simulator": scenario_simulator,
    "paste-steps": paste_steps,
    "traces": traces,
    "trace-exercise": trace_exercise,
    "report-helper": report_form,
}
# The data each part is built from: a change there rebuilds the page.
DEPENDENCIES = {
    "scenario-simulator": [SCENARIOS_FILE],
    "report-helper": [FACTS_FILE, Path(report_helper.__file__)],
    "paste-steps": [Path(faces.__file__)],
    "traces": [Path(faces.__file__)],
    "trace-exercise": [Path(faces.__file__)],
}


def jupyterlab_note(docname: str) -> nodes.Node:
    """A note that the page needs nothing installed, and where its notebook is for a hosted course.

    No commands: learners never install anything.  How to open a notebook on a
    machine of one's own is in the trainer's guide (book/phu-luc/huong-dan-can-bo.md).
    """
    notebook = f"{docname.rsplit('/', 1)[-1]}.ipynb"
    para = nodes.paragraph()
    para += nodes.Text(
        "Bài thực hành trên trang này chạy ngay trong trình duyệt, không cần cài đặt gì và không gửi dữ liệu "
        "đi đâu. Nếu cơ quan, đơn vị tổ chức khóa học trực tuyến trên JupyterLab, cán bộ phụ trách sẽ gửi "
        "anh, chị đường dẫn để mở bài này ở dạng sổ tay ("
    )
    para += nodes.literal(notebook, notebook)
    para += nodes.Text("), với cùng nội dung.")
    note = nodes.admonition(classes=["tip", "cg-jupyterlab-note"])
    note += nodes.title("", "Bài thực hành trong JupyterLab")
    note += para
    return note


class LessonCells(SphinxTransform):
    """Replace each lesson cell of a notebook by its part, kernel-free; a JupyterLab note before the first."""

    default_priority = 500

    def apply(self, **kwargs) -> None:
        root = "../" * self.env.docname.count("/")
        first = True
        for cell in list(self.document.findall(nodes.container)):
            metadata = cell.get("cell_metadata") or {}
            part = (metadata.get(METADATA_KEY) or {}).get("book") if isinstance(metadata, dict) else None
            if part is None:
                continue
            if part not in PARTS:
                logger.warning(
                    "ô có %s.book = %r, không phải một phần của bài thực hành (%s)",
                    METADATA_KEY,
                    part,
                    ", ".join(PARTS),
                    location=cell,
                )
                continue
            try:
                html = PARTS[part](root)
            except DataError as exc:
                logger.warning(str(exc), location=cell)
                continue
            for path in DEPENDENCIES.get(part, []):
                self.env.note_dependency(str(path))
            replacement: list[nodes.Node] = [nodes.raw("", html, format="html")]
            if first:
                replacement.insert(0, jupyterlab_note(self.env.docname))
                first = False
            cell.replace_self(replacement)
            lesson_pages(self.env).add(self.env.docname)


# ---------------------------------------------------------------- assets and figures


def lesson_pages(env) -> set[str]:
    """The pages that have a lesson (kept in the environment, so across incremental builds)."""
    if not hasattr(env, "canhgiac_lesson_pages"):
        env.canhgiac_lesson_pages = set()
    return env.canhgiac_lesson_pages


def _purge(app: Sphinx, env, docname: str) -> None:
    lesson_pages(env).discard(docname)


def _merge(app: Sphinx, env, docnames, other) -> None:
    lesson_pages(env).update(lesson_pages(other) & set(docnames))


def _page_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """The lessons' script and style, on the pages that have a lesson only."""
    if pagename in lesson_pages(app.env):
        app.add_css_file("canhgiac-lessons.css")
        app.add_js_file("canhgiac-lessons.js", loading_method="defer")


def figures() -> dict[str, bytes]:
    """Every drawn figure of the lessons, by file name."""
    out = {"cat-ghep-cac-buoc.png": faces.steps_png()}
    out.update({f"dau-vet-{t}.png": faces.trace_png(t) for t in faces.TRACE_IDS})
    out.update({f"anh-ghep-{e.number}.png": faces.exhibit_png(e) for e in faces.EXHIBITS})
    return out


def _write_figures(app: Sphinx, exception) -> None:
    if exception or app.builder.format != "html" or not lesson_pages(app.env):
        return
    folder = Path(app.outdir) / "_static" / IMAGES
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in figures().items():
        path = folder / name
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)


def _no_widget_cdn(app: Sphinx, config) -> None:
    # myst-nb loads require.js and the widget manager from CDNs on a page whose
    # notebook holds widget state.  The notebooks are stored without it, and the
    # book loads nothing from another host: no scripts, even if state slipped in.
    if hasattr(config, "nb_ipywidgets_js"):
        config.nb_ipywidgets_js = {}


def setup(app: Sphinx) -> None:
    app.add_transform(LessonCells)
    app.connect("config-inited", _no_widget_cdn)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    # Before assets.py filters the page's files (priority 500), so that ours are kept.
    app.connect("html-page-context", _page_assets, priority=400)
    app.connect("build-finished", _write_figures)
