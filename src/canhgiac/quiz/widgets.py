"""The quiz as ipywidgets in JupyterLab: one control per question, a progress line, a save button.

Answers are kept by option ID, never by position, so options can be shuffled
for each learner; they are saved to answers.json beside the notebook because
nbgrader re-runs the notebook without a browser when it grades.  Reopening the
notebook shows the saved answers again.
"""

import getpass
import random
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import ipywidgets as w

from canhgiac.quiz.answers import load_answers, save_answers

KIND_HINTS = {
    "single": "Chọn một đáp án.",
    "scenario": "Chọn cách xử lý đúng nhất.",
    "truefalse": "Chọn Đúng hoặc Sai.",
    "multiple": "Chọn tất cả các đáp án đúng.",
    "order": "Chọn thứ tự cho từng bước (1 là bước đầu tiên).",
}
_WIDE = {"description_width": "initial"}


def shuffled(options: list[dict], seed: str) -> list[dict]:
    """The options in an order fixed for this learner and question (same order at every reopening)."""
    order = list(options)
    random.Random(seed).shuffle(order)
    return order


class QuestionControl:
    """The control(s) for one question and how to read and set its answer as option IDs."""

    def __init__(self, number: int, question: dict, seed: str, on_change: Callable[[], None]):
        self.question = question
        kind = question["kind"]
        options = question["options"] if kind == "truefalse" else shuffled(question["options"], seed)
        parts: list[w.Widget] = [w.HTML(f"<h3>Câu {number}. {_escape(question['text'])}</h3>")]
        if question.get("scenario"):
            parts.append(
                w.HTML(f"<blockquote><b>Tình huống:</b><br>{_escape(question['scenario'])}</blockquote>")
            )
        parts.append(w.HTML(f"<p><i>{KIND_HINTS[kind]}</i></p>"))
        label = f"Câu {number}"
        if kind == "multiple":
            self.boxes = {
                o["id"]: w.Checkbox(
                    value=False, description=o["text"], indent=False, layout=w.Layout(width="auto")
                )
                for o in options
            }
            controls = list(self.boxes.values())
        elif kind == "order":
            positions = [("Chọn thứ tự", 0)] + [(f"Bước {i}", i) for i in range(1, len(options) + 1)]
            self.selects = {
                o["id"]: w.Dropdown(options=positions, value=0, description=o["text"], style=_WIDE)
                for o in options
            }
            controls = list(self.selects.values())
        else:
            self.radio = w.RadioButtons(
                options=[(o["text"], o["id"]) for o in options],
                value=None,
                description=label,
                style=_WIDE,
                layout=w.Layout(width="auto"),
            )
            controls = [self.radio]
        for control in controls:
            control.observe(lambda _change: on_change(), names="value")
        self.box = w.VBox(parts + controls, layout=w.Layout(margin="0 0 1.5em 0"))

    def value(self) -> list[str]:
        kind = self.question["kind"]
        if kind == "multiple":
            # In the bank's order, whatever order the learner saw: the saved file stays stable.
            return [o["id"] for o in self.question["options"] if self.boxes[o["id"]].value]
        if kind == "order":
            # The steps placed so far, by position; an incomplete order scores 0 with its reason.
            placed = {oid: s.value for oid, s in self.selects.items() if s.value}
            return sorted(placed, key=placed.__getitem__)
        return [self.radio.value] if self.radio.value else []

    def set(self, chosen: list[str]) -> None:
        kind = self.question["kind"]
        if kind == "multiple":
            for oid, box in self.boxes.items():
                box.value = oid in chosen
        elif kind == "order":
            for position, oid in enumerate(chosen, 1):
                if oid in self.selects:
                    self.selects[oid].value = position
        elif chosen and chosen[0] in {o["id"] for o in self.question["options"]}:
            self.radio.value = chosen[0]


def is_course_source(folder: Path) -> bool:
    """Is `folder` an assignment of an nbgrader course's source/ (the trainer's copy, with the key)?

    An answers.json saved there by a trainer trying the quiz would be copied
    into the release by `nbgrader generate_assignment`.
    """
    folder = folder.resolve()
    return folder.parent.name == "source" and (folder.parent.parent / "nbgrader_config.py").exists()


def _escape(text: str) -> str:
    from html import escape

    return "<br>".join(escape(line) for line in text.strip().splitlines())


class Quiz:
    """The whole quiz: questions, progress line and save button, bound to answers.json in `folder`."""

    def __init__(self, spec: dict, folder: Path | str = ".", learner: str | None = None):
        self.spec = spec
        self.folder = Path(folder)
        learner = learner or getpass.getuser()
        self.progress = w.HTML()
        self.status = w.HTML()
        self.controls = [
            QuestionControl(i, q, f"{learner}:{q['id']}", self._update_progress)
            for i, q in enumerate(spec["questions"], 1)
        ]
        saved = load_answers(self.folder)
        for control in self.controls:
            control.set(saved.answers.get(control.question["id"], []))
        self.save_button = w.Button(
            description="Lưu bài làm",
            button_style="primary",
            icon="save",
            tooltip="Lưu các câu trả lời vào tệp answers.json",
        )
        self.save_button.on_click(lambda _button: self.save())
        self._update_progress()
        header = w.HTML(f"<h2>{_escape(spec['title'])}</h2>")
        footer = w.HBox([self.save_button, self.status])
        # The progress line shows at the top and again beside the save button.
        self.widget = w.VBox([header, self.progress, *[c.box for c in self.controls], self.progress, footer])

    def answers(self) -> dict[str, list[str]]:
        return {c.question["id"]: c.value() for c in self.controls if c.value()}

    def _update_progress(self) -> None:
        done = sum(1 for c in self.controls if c.value())
        self.progress.value = f"<p><b>Đã trả lời {done}/{len(self.controls)} câu</b></p>"

    def save(self) -> Path | None:
        if is_course_source(self.folder):
            self.status.value = (
                "<span role='status'>Đây là sổ tay nguồn của cán bộ phụ trách: bài làm thử không được lưu, "
                "để không bị phát hành cùng bài kiểm tra.</span>"
            )
            return None
        path = save_answers(self.answers(), self.folder)
        self.status.value = f"<span role='status'>Đã lưu lúc {datetime.now():%H:%M:%S}.</span>"
        return path


def show_quiz(spec: dict, folder: Path | str = ".") -> Quiz:
    """Display the quiz in the notebook and return it (its answers can then be read in code)."""
    from IPython.display import display

    quiz = Quiz(spec, folder)
    display(quiz.widget)
    return quiz
