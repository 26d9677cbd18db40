"""The quiz as ipywidgets in JupyterLab 4 or Notebook 7: one control per question, a progress line, a save button.

Answers are kept by option ID, never by position, so options can be shuffled
for each learner (in the same order as on the quiz's page of the book: see
canhgiac.quiz.order); they are saved to answers.json beside the notebook because
nbgrader re-runs the notebook without a browser when it grades.  Reopening the
notebook shows the saved answers again.
"""

import getpass
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import ipywidgets as w
from IPython.display import Javascript

from canhgiac.question import KIND_HINTS, PublicOption, PublicQuestion  # noqa: F401 - KIND_HINTS for the tests
from canhgiac.quiz.answers import load_answers, save_answers
from canhgiac.quiz.order import option_order
from canhgiac.quiz.spec import spec_questions
from canhgiac.text import html_lines

_WIDE = {"description_width": "initial"}
QUIZ_CLASS = "canhgiac-quiz"
# Marks for the quiz's script (below): what it names for screen readers.
QUESTION_CLASS = "canhgiac-question"  # the heading "Câu n. …"
HINT_CLASS = "canhgiac-hint"  # "Chọn một đáp án." and the like
OPTIONS_CLASS = "canhgiac-options"  # the box of a question's controls: a group
RADIOGROUP_CLASS = "canhgiac-radiogroup"  # … a radio group, for one answer
STATUS_CLASS = "canhgiac-status"  # what the save button says: a live region

# ipywidgets draws every option on one line of fixed height: in a narrow
# notebook a long option was cut off ("…") in check boxes and drop-downs, and
# drawn over the next one in radio buttons.  Here options wrap, beside their
# box.  Scoped to the quiz, so that no other output of the notebook changes.
QUIZ_CSS = f"""
.{QUIZ_CLASS} .widget-radio-box label,
.{QUIZ_CLASS} .widget-checkbox .widget-label-basic {{
  display: flex; align-items: baseline; height: auto; line-height: 1.5; padding: 2px 0;
  white-space: normal; overflow: visible;
}}
.{QUIZ_CLASS} .widget-radio-box input {{ order: -1; float: none; height: auto; flex-shrink: 0; }}
.{QUIZ_CLASS} .widget-checkbox {{ height: auto; }}
.{QUIZ_CLASS} .widget-checkbox input[type="checkbox"] {{ flex-grow: 0; align-self: auto; }}
.{QUIZ_CLASS} .widget-dropdown > .widget-label {{
  flex-shrink: 1; min-width: 0; height: auto; white-space: normal; overflow: visible; text-align: left;
  line-height: 1.5;
}}
.{QUIZ_CLASS} .widget-dropdown {{ margin-bottom: 4px; }}
"""

# The quiz's script, for two things ipywidgets does not do.
#
# Keys.  JupyterLab's and Notebook 7's command-mode shortcuts apply whenever the
# focus is on something in a notebook that is not a text field: a radio button, a
# check box, a drop-down list.  Without this, a learner answering by keyboard
# leaves the quiz for the next cell with the arrow keys instead of choosing a
# step, inserts a cell with B, cuts the quiz with X or deletes it with D D.  Keys
# pressed in the quiz are kept from reaching them (their own action, choosing or
# moving the focus, still happens); Ctrl/Cmd shortcuts and Escape still reach
# them.  JupyterLab reads shortcuts as a key bubbles up to the document, Notebook
# 7 as it goes down from the document (capture phase), before anything in the
# quiz hears it: keys are therefore stopped on the window, the first to see them,
# by one listener for the page, for every quiz in it.
#
# Names for screen readers.  ipywidgets draws a question's options with nothing
# that says which question they answer: a screen reader tabbing to an option read
# only "Đúng, radio button".  The box of each question's options becomes a group
# (a radio group for one answer) named by the question's heading and described by
# its hint, so that it reads "Câu 2. …, radio group, Chọn Đúng hoặc Sai.; Đúng,
# radio button".  The line beside the save button becomes a live region (role
# status) from the start: a region created with its text, as the saved time used
# to be, is not announced by every screen reader.  Widgets are drawn one by one,
# after the script may have run: what is drawn later is named as it comes.
#
# It runs where the quiz is shown, from a hidden output widget inside the quiz:
# JupyterLab and Notebook 7 trust widget outputs, and they are the widget's state,
# not the cell's outputs, so the script is not saved in the learner's notebook.
# data-canhgiac-keys on the quiz tells that it has run.
QUIZ_JS = f"""
(function (node) {{
  // Rendered before it is attached: wait (up to 30 s) until it is inside the quiz.
  var tries = 0;
  (function attach() {{
    var quiz = node && node.closest && node.closest(".{QUIZ_CLASS}");
    if (!quiz) {{
      if (node && ++tries < 300) setTimeout(attach, 100);
      return;
    }}
    if (!window.canhgiacKeepKeys) {{
      window.canhgiacKeepKeys = true;
      window.addEventListener("keydown", function (event) {{
        var target = event.target;
        if (!(target && target.closest && target.closest(".{QUIZ_CLASS}"))) return;
        if (!(event.ctrlKey || event.metaKey || event.key === "Escape")) event.stopPropagation();
      }}, true);
    }}
    if (quiz.dataset.canhgiacKeys) return;  // set up already: the script ran again in this quiz
    function id(element) {{
      if (!element.id) element.id = "canhgiac-" + (window.canhgiacIds = (window.canhgiacIds || 0) + 1);
      return element.id;
    }}
    function name() {{
      quiz.querySelectorAll(".{OPTIONS_CLASS}").forEach(function (options) {{
        var box = options.parentElement;
        var heading = box && box.querySelector(".{QUESTION_CLASS}");
        var hint = box && box.querySelector(".{HINT_CLASS}");
        options.setAttribute("role", options.classList.contains("{RADIOGROUP_CLASS}") ? "radiogroup" : "group");
        if (heading) options.setAttribute("aria-labelledby", id(heading));
        if (hint) options.setAttribute("aria-describedby", id(hint));
      }});
      quiz.querySelectorAll(".{STATUS_CLASS}").forEach(function (status) {{
        status.setAttribute("role", "status");
      }});
    }}
    name();
    new MutationObserver(name).observe(quiz, {{ childList: true, subtree: true }});
    quiz.dataset.canhgiacKeys = "1";
  }})();
}})(typeof element === "undefined" ? null : element);
"""


def shuffled(options: Sequence[PublicOption], learner: str, question_id: str) -> list[PublicOption]:
    """The options in an order fixed for this learner and question: the same at every reopening,
    and on the quiz's page of the book (canhgiac.quiz.order)."""
    by_id = {o.id: o for o in options}
    return [by_id[oid] for oid in option_order(learner, question_id, list(by_id))]


class QuestionControl:
    """The control(s) for one question and how to read and set its answer as option IDs."""

    def __init__(self, number: int, question: PublicQuestion, learner: str, on_change: Callable[[], None]):
        self.question = question
        self.control = control = question.info.control
        options = (
            question.options
            if question.kind == "truefalse"
            else shuffled(question.options, learner, question.id)
        )
        parts: list[w.Widget] = [
            w.HTML(f"<h3 class='{QUESTION_CLASS}'>Câu {number}. {html_lines(question.text)}</h3>")
        ]
        if question.scenario:
            parts.append(
                w.HTML(f"<blockquote><b>Tình huống:</b><br>{html_lines(question.scenario)}</blockquote>")
            )
        parts.append(w.HTML(f"<p class='{HINT_CLASS}'><i>{question.hint}</i></p>"))
        if control == "checkbox":
            self.boxes = {
                o.id: w.Checkbox(value=False, description=o.text, indent=False, layout=w.Layout(width="auto"))
                for o in options
            }
            controls = list(self.boxes.values())
        elif control == "order":
            positions = [("Chọn thứ tự", 0)] + [(f"Bước {i}", i) for i in range(1, len(options) + 1)]
            # Without a layout the row is 300 px wide and a long step leaves its list no
            # room: the chosen step could not be read.  Auto width gives the list the
            # rest of the line; on a narrow screen it goes under the step.
            row = {"width": "auto", "height": "auto", "flex_flow": "row wrap"}
            self.selects = {
                o.id: w.Dropdown(
                    options=positions, value=0, description=o.text, style=_WIDE, layout=w.Layout(**row)
                )
                for o in options
            }
            controls = list(self.selects.values())
        else:
            self.radio = w.RadioButtons(
                options=[(o.text, o.id) for o in options],
                value=None,
                layout=w.Layout(width="auto"),
            )
            controls = [self.radio]
        for widget in controls:
            widget.observe(lambda _change: on_change(), names="value")
        # The controls in a box of their own, which the quiz's script names after the question.
        group = w.VBox(controls)
        group.add_class(OPTIONS_CLASS)
        if control == "radio":
            group.add_class(RADIOGROUP_CLASS)
        self.box = w.VBox([*parts, group], layout=w.Layout(margin="0 0 1.5em 0"))

    def value(self) -> list[str]:
        if self.control == "checkbox":
            # In the bank's order, whatever order the learner saw: the saved file stays stable.
            return [o.id for o in self.question.options if self.boxes[o.id].value]
        if self.control == "order":
            # The steps placed so far, by position; an incomplete order scores 0 with its reason.
            placed = {oid: s.value for oid, s in self.selects.items() if s.value}
            return sorted(placed, key=placed.__getitem__)
        return [self.radio.value] if self.radio.value else []

    def set(self, chosen: list[str]) -> None:
        if self.control == "checkbox":
            for oid, box in self.boxes.items():
                box.value = oid in chosen
        elif self.control == "order":
            for position, oid in enumerate(chosen, 1):
                if oid in self.selects:
                    self.selects[oid].value = position
        elif chosen and chosen[0] in {o.id for o in self.question.options}:
            self.radio.value = chosen[0]


def is_course_source(folder: Path) -> bool:
    """Is `folder` an assignment of an nbgrader course's source/ (the trainer's copy, with the key)?

    An answers.json saved there by a trainer trying the quiz would be copied
    into the release by `nbgrader generate_assignment`.
    """
    folder = folder.resolve()
    return folder.parent.name == "source" and (folder.parent.parent / "nbgrader_config.py").exists()


class Quiz:
    """The whole quiz: questions, progress line and save button, bound to answers.json in `folder`."""

    def __init__(self, spec: dict, folder: Path | str = ".", learner: str | None = None):
        self.spec = spec
        self.folder = Path(folder)
        learner = learner or getpass.getuser()
        self.progress = w.HTML()
        self.status = w.HTML()
        self.status.add_class(STATUS_CLASS)
        self.controls = [
            QuestionControl(i, q, learner, self._update_progress)
            for i, q in enumerate(spec_questions(spec), 1)
        ]
        saved = load_answers(self.folder)
        for control in self.controls:
            control.set(saved.answers.get(control.question.id, []))
        self.save_button = w.Button(
            description="Lưu bài làm",
            button_style="primary",
            icon="save",
            tooltip="Lưu các câu trả lời vào tệp answers.json",
        )
        self.save_button.on_click(lambda _button: self.save())
        self._update_progress()
        header = w.HTML(f"<style>{QUIZ_CSS}</style><h2>{html_lines(spec['title'])}</h2>")
        footer = w.HBox([self.save_button, self.status])
        # The progress line shows at the top and again beside the save button.
        keys = w.Output(layout=w.Layout(display="none"))
        keys.append_display_data(Javascript(QUIZ_JS))
        self.widget = w.VBox(
            [header, self.progress, *[c.box for c in self.controls], self.progress, footer, keys]
        )
        self.widget.add_class(QUIZ_CLASS)

    def answers(self) -> dict[str, list[str]]:
        return {c.question.id: c.value() for c in self.controls if c.value()}

    def _update_progress(self) -> None:
        done = sum(1 for c in self.controls if c.value())
        self.progress.value = f"<p><b>Đã trả lời {done}/{len(self.controls)} câu</b></p>"

    def save(self) -> Path | None:
        if is_course_source(self.folder):
            self.status.value = (
                "Đây là sổ tay nguồn của cán bộ phụ trách: bài làm thử không được lưu, "
                "để không bị phát hành cùng bài kiểm tra."
            )
            return None
        now = datetime.now().astimezone()
        path = save_answers(self.answers(), self.folder, now)
        self.status.value = f"Đã lưu lúc {now:%H:%M:%S}."
        sent = hand_in_online(self.spec.get("assignment", ""), self.answers())
        if sent:
            self.status.value = f"Đã lưu lúc {now:%H:%M:%S}. {sent}"
        return path


def hand_in_online(assignment: str, answers: dict[str, list[str]], env=os.environ) -> str:
    """On the hosted course, hand the answers in to the course service with the learner's hub token.

    The hub starts the learner's JupyterLab with JUPYTERHUB_API_TOKEN, JUPYTERHUB_USER and
    CANHGIAC_SUBMIT_URL (canhgiac.hub.config); elsewhere this does nothing and says nothing.
    The answers stay saved in answers.json whatever happens here.  What to tell the learner.
    """
    import json
    import secrets
    import urllib.error
    import urllib.request

    url, token, user = (
        env.get("CANHGIAC_SUBMIT_URL"),
        env.get("JUPYTERHUB_API_TOKEN"),
        env.get("JUPYTERHUB_USER"),
    )
    if not (url and token and user and assignment):
        return ""
    body = {
        "id": secrets.token_hex(16),
        "learner": user,
        "name": "",
        "assignment": assignment,
        "saved_at": datetime.now().astimezone().isoformat(),
        "answers": answers,
    }
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        return "Đã nộp bài; kết quả sẽ có trên trang bài kiểm tra của tài liệu sau ít phút."
    except urllib.error.HTTPError as exc:
        try:
            reason = json.loads(exc.read().decode("utf-8")).get("error", "")
        except ValueError:
            reason = ""
        return f"Chưa nộp được bài: {reason or f'lỗi {exc.code}'}"
    except OSError:
        return "Chưa nộp được bài vì mất kết nối; bấm “Lưu bài làm” lại khi có mạng."


def show_quiz(spec: dict, folder: Path | str = ".") -> Quiz:
    """Display the quiz in the notebook and return it (its answers can then be read in code)."""
    from IPython.display import display

    quiz = Quiz(spec, folder)
    display(quiz.widget)
    return quiz
