"""The {practice-quiz} directive: a chapter's self-check questions, answered in the browser.

The questions come from the bank (quizzes/bank/), marked `practice: true`.
They are plain HTML forms (radio buttons, check boxes, position lists) that
work by keyboard and screen reader, checked by static/canhgiac.js with no
kernel and no network.  Graded questions are never rendered: their answers
must not reach the book.

jupyterquiz was considered first (the issue prefers a maintained library),
but it fails requirements here: its options are clickable <label>s with no
keyboard access or ARIA, its feedback strings are hard-coded English, and it
needs a kernel to run at build time.
"""

import json
from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from canhgiac.bank import Bank, Option, Question, load_bank
from canhgiac.datafile import DataError
from canhgiac.question import KIND_HINTS, KINDS
from canhgiac.quiz.order import option_order
from canhgiac.text import html_lines


def _answerhtml_lines(q: Question) -> str:
    texts = {o.id: o.text for o in q.options}
    if KINDS[q.kind].control == "order":
        return " → ".join(f"{i}. {texts[a]}" for i, a in enumerate(q.answer, 1))
    return "; ".join(texts[a] for a in q.answer)


# The self-checks' options are shuffled by the quizzes' rule (canhgiac.quiz.order) under this
# name instead of a learner's ID: the same order on every build and for every reader, and one
# that does not follow the bank, where the right option is often first.
PRACTICE_ORDER_KEY = "tu-kiem-tra"


def shown_options(q: Question) -> list[Option]:
    """The options in the order the page shows them: shuffled, never the right order of steps; Đúng, Sai kept."""
    if q.kind == "truefalse":
        return list(q.options)
    by_id = {o.id: o for o in q.options}
    ids = option_order(PRACTICE_ORDER_KEY, q.id, [o.id for o in q.options])
    if q.kind == "order" and ids == list(q.answer):
        ids = ids[1:] + ids[:1]  # the steps already in order would be the answer
    return [by_id[i] for i in ids]


def _options_html(q: Question, base: str) -> str:
    options = shown_options(q)
    control = KINDS[q.kind].control
    if control == "order":
        positions = "".join(f'<option value="{i}">Bước {i}</option>' for i in range(1, len(q.options) + 1))
        items = "".join(
            f'<li><label for="{base}-{o.id}">{html_lines(o.text)}</label>'
            f'<select id="{base}-{o.id}" data-option="{o.id}">'
            f'<option value="">Chọn thứ tự</option>{positions}</select></li>'
            for o in options
        )
        return f'<ul class="cg-options cg-order">{items}</ul>'
    items = "".join(
        f'<li><input type="{control}" id="{base}-{o.id}" name="{base}" value="{o.id}">'
        f'<label for="{base}-{o.id}">{html_lines(o.text)}</label></li>'
        for o in options
    )
    return f'<ul class="cg-options">{items}</ul>'


def question_html(q: Question, number: int) -> str:
    """One question as a self-contained form; the page's script checks it."""
    base = f"cg-{q.id}"
    scenario = ""
    described = f"{base}-hint"
    if q.scenario:
        scenario = (
            f'<div class="cg-scenario" id="{base}-scenario"><p class="cg-scenario-title">Tình huống</p>'
            f"<p>{html_lines(q.scenario)}</p></div>"
        )
        described = f"{base}-scenario {base}-hint"
    return (
        f'<form class="cg-quiz" id="{base}" data-kind="{q.kind}" '
        f"data-answer='{escape(json.dumps(q.answer))}' novalidate>"
        f'<fieldset aria-describedby="{described}">'
        f'<legend><span class="cg-num">Câu {number}.</span> {html_lines(q.text)}</legend>'
        f"{scenario}"
        f'<p class="cg-hint" id="{base}-hint">{KIND_HINTS[q.kind]}</p>'
        f"{_options_html(q, base)}"
        "</fieldset>"
        '<button type="submit" class="cg-check">Kiểm tra</button>'
        '<div class="cg-feedback" role="status" aria-live="polite"></div>'
        f'<div class="cg-explanation" hidden><p class="cg-answer">Đáp án đúng: {html_lines(_answerhtml_lines(q))}</p>'
        f"<p><strong>Giải thích:</strong> {html_lines(q.explanation)}</p></div>"
        f'<noscript><p class="cg-answer">Đáp án đúng: {html_lines(_answerhtml_lines(q))}</p>'
        f"<p><strong>Giải thích:</strong> {html_lines(q.explanation)}</p></noscript>"
        "</form>"
    )


def directive_bank(directive: SphinxDirective) -> tuple[Bank, Path]:
    """The question bank for a directive, a dependency of its page; a bank error is the directive's error."""
    bank_dir = Path(directive.env.app.confdir) / directive.config.canhgiac_bank_dir
    try:
        bank = load_bank(bank_dir)
    except DataError as exc:
        raise directive.error(str(exc)) from None
    for path in bank.files:
        directive.env.note_dependency(str(path))
    return bank, bank_dir


class PracticeQuiz(SphinxDirective):
    """Render the practice questions of the chapter named as argument."""

    required_arguments = 1

    def run(self):
        chapter = self.arguments[0]
        bank, bank_dir = directive_bank(self)
        questions = bank.practice(chapter)
        if not questions:
            raise self.error(f"chương '{chapter}' không có câu hỏi tự kiểm tra trong {bank_dir}")
        html = "".join(question_html(q, i) for i, q in enumerate(questions, 1))
        intro = (
            '<p class="cg-practice-note">Các câu hỏi dưới đây để tự ôn lại bài, '
            "không tính điểm. Chọn đáp án rồi bấm “Kiểm tra” để xem giải thích.</p>"
        )
        section = f'<div class="cg-practice">{intro}{html}</div>'
        return [nodes.raw("", section, format="html")]


def _add_static(app: Sphinx, config) -> None:
    config.html_static_path = [*config.html_static_path, str(Path(__file__).parent / "static")]


def setup(app: Sphinx) -> None:
    app.connect("config-inited", _add_static)
    # The forms' style and checking script; the style also makes pages read well on phones.
    app.add_css_file("canhgiac.css")
    app.add_js_file("canhgiac.js", loading_method="defer")
    app.add_config_value(
        "canhgiac_bank_dir",
        "quizzes/bank",
        "env",
        types=[str],
        description="The question bank's folder, relative to the book's root (where _config.yml is).",
    )
    app.add_directive("practice-quiz", PracticeQuiz)
