"""The {graded-quiz} directive: a graded quiz as a page of the book, handed in as a file.

The same quiz as the nbgrader notebook (canhgiac.assign.notebook), from the
same bank: the same questions in the same order, the same options, kinds'
hints and labels ("Câu n.", "Chọn thứ tự", "Bước n").  The learner gives an
ID and a full name, answers, and "Nộp bài" saves <learner ID>_<assignment>.json
(static/canhgiac-exam.js), which the trainer grades with `canhgiac collect`
and `canhgiac grade` through nbgrader, exactly as a notebook's answers.json.
After "Nộp bài", a phone's share sheet sends the file (Web Share API) where the
browser can share files, short steps say how to attach it where not, and the
quizzes handed in on this device can be sent in one file, <learner ID>_tat-ca.json.

The page holds no answer key in any form: only what the released notebook
holds (canhgiac.question.PublicQuestion: texts, option IDs, kinds,
points), so it cannot score itself.  Options are rendered in the bank's order
and put in the learner's order by the page's script, with the rule of
canhgiac.quiz.order, the one that the notebook uses.

Everything happens in the browser with no request: the answers are kept in
the browser's local storage as the learner goes, and the file is made there.
The page's script and style are added to quiz pages only.
"""

from html import escape

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from canhgiac.course import learners
from canhgiac.question import PublicQuestion
from canhgiac.sphinxext.practice import directive_bank
from canhgiac.text import html_lines

SCRIPT = "canhgiac-exam.js"
STYLE = "canhgiac-exam.css"
MARK = "cg-graded-quiz"  # the class of the raw node: tells a page that needs the script
# The rule for learner IDs (canhgiac.course.learners), checked in the browser too; HTML anchors it itself.
ID_PATTERN = learners.ID_PATTERN.pattern.removeprefix("^").removesuffix("$")


def _options_html(q: PublicQuestion, base: str) -> str:
    """The options in the bank's order (the script puts them in the learner's order)."""
    if q.info.control == "order":
        steps = "".join(f'<option value="{i}">Bước {i}</option>' for i in range(1, len(q.options) + 1))
        items = "".join(
            f'<li data-option="{o.id}"><label for="{base}-{o.id}">{html_lines(o.text)}</label>'
            f'<select id="{base}-{o.id}" name="{base}-{o.id}" data-option="{o.id}">'
            f'<option value="">Chọn thứ tự</option>{steps}</select></li>'
            for o in q.options
        )
        return f'<ul class="cg-options cg-order">{items}</ul>'
    items = "".join(
        f'<li data-option="{o.id}"><input type="{q.info.control}" id="{base}-{o.id}" name="{base}" '
        f'value="{o.id}"><label for="{base}-{o.id}">{html_lines(o.text)}</label></li>'
        for o in q.options
    )
    return f'<ul class="cg-options">{items}</ul>'


def question_html(q: PublicQuestion, number: int) -> str:
    """One question: a group named "Câu n. <question>" (a radio group for one answer), described by its hint."""
    base = f"cg-exam-{q.id}"
    described = f"{base}-hint"
    scenario = ""
    if q.scenario:
        scenario = (
            f'<div class="cg-scenario" id="{base}-scenario"><p class="cg-scenario-title">Tình huống</p>'
            f"<p>{html_lines(q.scenario)}</p></div>"
        )
        described = f"{base}-scenario {base}-hint"
    role = ' role="radiogroup"' if q.info.control == "radio" else ""
    return (
        f'<fieldset class="cg-exam-question" id="{base}" data-question="{q.id}" data-kind="{q.kind}"{role} '
        f'aria-labelledby="{base}-legend" aria-describedby="{described}">'
        f'<legend id="{base}-legend"><span class="cg-num">Câu {number}.</span> {html_lines(q.text)}</legend>'
        f"{scenario}"
        f'<p class="cg-hint" id="{base}-hint">{q.hint}</p>'
        f"{_options_html(q, base)}"
        "</fieldset>"
    )


def _field(name: str, label: str, hint: str, extra: str) -> str:
    base = f"cg-exam-{name}"
    return (
        f'<div class="cg-exam-field"><label for="{base}">{label}</label>'
        f'<p class="cg-exam-field-hint" id="{base}-hint">{hint}</p>'
        f'<input type="text" id="{base}" name="{name}" required aria-required="true" '
        f'aria-describedby="{base}-hint {base}-error" {extra}>'
        f'<p class="cg-exam-error" id="{base}-error" hidden></p></div>'
    )


def _after_html() -> str:
    """After "Nộp bài": send the file from the phone (share sheet, or short steps), and all quizzes in one file.

    Shown by static/canhgiac-exam.js, which fills in the file's name.
    """
    return (
        '<div class="cg-exam-after" hidden>'
        '<p class="cg-exam-after-title">Gửi tệp bài làm cho cán bộ phụ trách</p>'
        '<button type="button" class="cg-exam-button cg-exam-share" hidden>'
        "Gửi tệp qua Zalo, thư điện tử…</button>"
        '<ol class="cg-exam-phone-steps" hidden>'
        "<li>Mở Zalo hoặc ứng dụng thư điện tử, vào cuộc trò chuyện với cán bộ phụ trách.</li>"
        "<li>Bấm nút đính kèm (hình kẹp giấy hoặc dấu +), chọn <strong>Tệp</strong>.</li>"
        '<li>Mở thư mục <strong>Tải xuống</strong> (Download), chọn tệp <code class="cg-exam-file-name"></code> '
        "rồi bấm gửi.</li>"
        "</ol>"
        '<div class="cg-exam-all" hidden>'
        '<p class="cg-exam-all-text"></p>'
        '<button type="button" class="cg-exam-secondary cg-exam-all-button"></button>'
        "</div>"
        "</div>"
    )


def exam_html(assignment: str, questions: list[PublicQuestion]) -> str:
    """The quiz's form, then how to send the file; the page's Markdown gives the title."""
    total = sum(q.points for q in questions)
    progress = f'<p class="cg-exam-progress">Đã trả lời 0/{len(questions)} câu</p>'
    learner = (
        '<fieldset class="cg-exam-learner"><legend>Thông tin học viên</legend>'
        + _field(
            "learner",
            "Mã học viên",
            "Mã do cán bộ phụ trách cấp, ví dụ LS-0001.",
            f'autocomplete="off" autocapitalize="none" spellcheck="false" pattern="{ID_PATTERN}"',
        )
        + _field("name", "Họ và tên", "Ghi đầy đủ, có dấu, ví dụ Nguyễn Thị Lan.", 'autocomplete="name"')
        + "</fieldset>"
    )
    intro = (
        '<div class="cg-exam-intro">'
        f"<p>Bài kiểm tra có {len(questions)} câu, tổng {total:g} điểm. "
        "Trang này không chấm điểm và không có đáp án: "
        "<strong>bài làm sẽ được chấm bởi cán bộ phụ trách</strong>.</p>"
        "<p>Trong khi anh, chị làm bài, các câu trả lời được lưu tạm trong trình duyệt của máy này: "
        "lỡ đóng trang hay máy hết pin, mở lại trang này trên cùng máy và trình duyệt sẽ thấy lại bài đang làm. "
        "Làm xong, bấm <strong>Nộp bài</strong> để lưu tệp bài làm, rồi gửi tệp đó cho cán bộ phụ trách.</p>"
        "</div>"
        '<noscript><p class="cg-exam-noscript">Trang bài kiểm tra cần JavaScript để lưu bài làm. '
        "Hãy bật JavaScript trong trình duyệt, hoặc làm bài trong JupyterLab.</p></noscript>"
    )
    body = "".join(question_html(q, i) for i, q in enumerate(questions, 1))
    submit = (
        '<div class="cg-exam-submit">'
        f"{progress}"
        '<button type="submit" class="cg-exam-button">Nộp bài</button>'
        '<div class="cg-exam-warning" role="alert" tabindex="-1" hidden></div>'
        '<p class="cg-exam-status" role="status"></p>'
        f"{_after_html()}"
        "</div>"
    )
    example = f"LS-0001_{assignment}.json"
    send = (
        '<div class="cg-exam-send">'
        '<p class="cg-exam-send-title">Cách gửi bài làm cho cán bộ phụ trách</p>'
        "<ol>"
        f"<li>Bấm <strong>Nộp bài</strong>: trình duyệt lưu tệp bài làm, tên dạng <code>{escape(example)}</code> "
        "(mã học viên, rồi tên bài), thường vào thư mục <em>Tải xuống</em> của máy. "
        "Trên điện thoại, trang còn có nút gửi tệp thẳng qua Zalo hay thư điện tử.</li>"
        "<li>Gửi tệp đó cho cán bộ phụ trách bằng một trong các cách: đính kèm vào thư điện tử; "
        "gửi qua ứng dụng nhắn tin mà cơ quan, đơn vị dùng (ví dụ Zalo); hoặc chép vào USB rồi đưa trực tiếp.</li>"
        "<li>Không mở tệp ra để sửa: tệp bị sửa có thể không đọc được và không được chấm. "
        "Mỗi tệp gửi thêm của cùng một bài được tính là một lần làm bài mới.</li>"
        "<li>Đã làm nhiều bài trên cùng máy này, anh, chị có thể gửi tất cả trong một tệp, tên dạng "
        "<code>LS-0001_tat-ca.json</code>: sau khi nộp bài, bấm <strong>Nộp tất cả trong một tệp</strong>.</li>"
        "<li>Nếu dùng máy chung, sau khi đã gửi tệp, hãy bấm <strong>Xóa bài làm trên máy này</strong>.</li>"
        "</ol>"
        '<button type="button" class="cg-exam-clear">Xóa bài làm trên máy này</button>'
        "</div>"
    )
    return (
        f'<form class="cg-exam" id="cg-exam-{assignment}" data-assignment="{assignment}" novalidate>'
        f"{intro}{learner}{progress}"
        f'<div class="cg-exam-questions">{body}</div>'
        f"{submit}"
        "</form>"
        f"{send}"
    )


class GradedQuiz(SphinxDirective):
    """Render the graded quiz of the assignment named as argument (a chapter's page name, or `final`)."""

    required_arguments = 1

    def run(self):
        assignment = self.arguments[0]
        bank, bank_dir = directive_bank(self)
        graded = bank.graded(assignment)
        if not graded:
            raise self.error(f"bài '{assignment}' không có câu hỏi chấm điểm nào trong {bank_dir}")
        # Only what the released notebook knows of each question: never the answer or the explanation.
        questions = [PublicQuestion.from_bank(q) for q in graded]
        return [nodes.raw("", exam_html(assignment, questions), format="html", classes=[MARK])]


def _has_quiz(doctree) -> bool:
    return doctree is not None and any(MARK in node["classes"] for node in doctree.findall(nodes.raw))


def _add_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """The quiz's script and style, on quiz pages only: the other pages stay as light as they were."""
    if _has_quiz(doctree):
        app.add_css_file(STYLE)
        app.add_js_file(SCRIPT, loading_method="defer")


def setup(app: Sphinx) -> None:
    # The static folder and the bank's config value are practice.py's (set up with it).
    app.add_directive("graded-quiz", GradedQuiz)
    # Before assets.py filters the page's files into a new list, which would leave ours out.
    app.connect("html-page-context", _add_assets, priority=400)
