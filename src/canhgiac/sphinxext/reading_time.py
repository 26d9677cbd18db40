"""How long each page takes, counted at build time, and the course's total on the home page.

A page's time is its words read at `canhgiac_words_per_minute` (200) plus
`canhgiac_minutes_per_question` for each question on it (a self-check or a
graded question: reading it is counted with the words, this is the time to
think and choose), rounded up to whole minutes.  Every page of the course
states its own time under its title, except those of `canhgiac_untimed_pages`
(the appendix: reference pages, not read from start to end).

The {course-start} directive (the home page's first screen) states the total,
the sum of the pages' own times, by part, with a "Bắt đầu học" button to the
first chapter.  The total is filled in when the pages are written, once every
page has been read.
"""

import math
import re
from fnmatch import fnmatch
from html import unescape

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

WORD = re.compile(r"\w+")
SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
# How a question shows in the HTML of the self-checks and the graded quizzes.
QUESTION = re.compile(r'<form class="cg-quiz"|<fieldset class="cg-exam-question"')

# The parts of the course in the home page's breakdown, in reading order, by the page's folder
# (the chapters are the pages in neither folder).
PARTS = (
    ("", "đọc các chương"),
    ("notebooks/", "các bài thực hành"),
    ("book/kiem-tra/", "các bài kiểm tra"),
)


class reading_total(nodes.General, nodes.Element):
    """Where the course's total goes: filled in when the page is written."""


def _visible_text(raw: str) -> str:
    return unescape(TAG.sub(" ", SCRIPT.sub(" ", raw)))


def count(doctree: nodes.Node) -> tuple[int, int]:
    """(words, questions) of a page as a learner sees it: its text, and its HTML parts without scripts."""
    words = questions = 0
    for node in doctree.findall(nodes.Text):
        if not isinstance(node.parent, nodes.raw):
            words += len(WORD.findall(node.astext()))
    for node in doctree.findall(nodes.raw):
        if "html" in node.get("format", "").split():
            text = node.astext()
            words += len(WORD.findall(_visible_text(text)))
            questions += len(QUESTION.findall(text))
    return words, questions


def minutes(words: int, questions: int, per_minute: int, per_question: float) -> int:
    return max(1, math.ceil(words / per_minute + questions * per_question))


def say_minutes(total: int) -> str:
    """14 -> '14 phút', 60 -> '1 giờ', 185 -> '3 giờ 5 phút'."""
    hours, rest = divmod(total, 60)
    if not hours:
        return f"{rest} phút"
    return f"{hours} giờ" + (f" {rest} phút" if rest else "")


def _times(env) -> dict[str, dict]:
    if not hasattr(env, "canhgiac_reading_times"):
        env.canhgiac_reading_times = {}
    return env.canhgiac_reading_times


def _is_timed(app: Sphinx, docname: str) -> bool:
    return not any(fnmatch(docname, pattern) for pattern in app.config.canhgiac_untimed_pages)


def _time_html(time: dict, label: str = "Thời gian") -> str:
    questions = f", {time['questions']} câu hỏi" if time["questions"] else ""
    return (
        f'<p class="cg-reading-time" id="cg-reading-time" data-minutes="{time["minutes"]}">'
        f"{label}: khoảng {say_minutes(time['minutes'])} "
        f'<span class="cg-reading-detail">({time["words"]} chữ{questions})</span></p>'
    )


def _measure(app: Sphinx, doctree: nodes.document) -> None:
    """Count the page and put its time under its title (the home page's is in its first screen)."""
    docname = app.env.docname
    times = _times(app.env)
    times.pop(docname, None)
    if not _is_timed(app, docname):
        return
    words, questions = count(doctree)
    cfg = app.config
    time = {
        "words": words,
        "questions": questions,
        "minutes": minutes(
            words, questions, cfg.canhgiac_words_per_minute, cfg.canhgiac_minutes_per_question
        ),
    }
    times[docname] = time
    if any(True for _ in doctree.findall(reading_total)):
        return
    section = next(doctree.findall(nodes.section), None)
    if section is None or not isinstance(section[0], nodes.title):
        return
    section.insert(1, nodes.raw("", _time_html(time), format="html"))


def _part(docname: str) -> str:
    return next((label for prefix, label in PARTS if prefix and docname.startswith(prefix)), PARTS[0][1])


def _breakdown(app: Sphinx) -> tuple[int, list[tuple[str, int]]]:
    """The total, and (part, minutes) for each part of the course, in the order of PARTS."""
    times = _times(app.env)
    by_part = {label: 0 for _, label in PARTS}
    for docname, time in times.items():
        by_part[_part(docname)] += time["minutes"]
    return sum(t["minutes"] for t in times.values()), [(label, m) for label, m in by_part.items() if m]


def _fill_totals(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(reading_total)):
        total, parts = _breakdown(app)
        uri = app.builder.get_relative_uri(docname, node["first"])
        own = _times(app.env).get(docname)
        by_part = "; ".join(f"{label} khoảng {say_minutes(m)}" for label, m in parts)
        html = (
            f'<div class="cg-course-start" data-total-minutes="{total}">'
            f'<p class="cg-course-total">Toàn bộ khóa học cần khoảng <strong>{say_minutes(total)}</strong>.</p>'
            f'<p class="cg-course-parts">Gồm {by_part}. Anh, chị có thể học thành nhiều lần, mỗi lần một trang; '
            "thời gian của từng trang ghi ngay dưới tên trang.</p>"
            f'<p class="cg-start"><a class="cg-start-button" href="{uri}">Bắt đầu học</a></p>'
            + (_time_html(own, "Trang giới thiệu này") if own else "")
            + "</div>"
        )
        node.replace_self(nodes.raw("", html, format="html"))


class CourseStart(SphinxDirective):
    """The home page's first screen: the course's total time and a "Bắt đầu học" button to the page named.

    The argument is the first page's docname from the book's root (`book/thu-doan`).
    """

    required_arguments = 1

    def run(self):
        node = reading_total()
        node["first"] = self.arguments[0].lstrip("/")  # a docname from the root: book/thu-doan
        return [node]


def _purge(app: Sphinx, env, docname: str) -> None:
    _times(env).pop(docname, None)


def _merge(app: Sphinx, env, docnames, other) -> None:
    theirs = _times(other)
    _times(env).update({d: theirs[d] for d in docnames if d in theirs})


def _every_page_is_read(app: Sphinx, env) -> list[str]:
    # The home page's total depends on every page: write it again whenever any page changed.
    return [app.config.root_doc]


def setup(app: Sphinx) -> None:
    app.add_config_value("canhgiac_words_per_minute", 200, "env", types=[int], description="Reading speed.")
    app.add_config_value(
        "canhgiac_minutes_per_question",
        0.5,
        "env",
        types=[float, int],
        description="Time to think and answer one question, on top of reading it.",
    )
    app.add_config_value(
        "canhgiac_untimed_pages",
        ["book/phu-luc/*"],
        "env",
        types=[list],
        description="Pages (docname patterns) that state no time and are not counted in the total.",
    )
    app.add_node(reading_total)
    app.add_directive("course-start", CourseStart)
    app.connect("doctree-read", _measure)
    app.connect("doctree-resolved", _fill_totals)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-updated", _every_page_is_read)
