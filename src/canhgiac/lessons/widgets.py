"""The lessons in JupyterLab: ipywidgets over the logic of canhgiac.lessons.

Each notebook of notebooks/ calls one function of this module per lesson part.
Everything the learner enters stays in the kernel's memory, inside widgets: it is
never printed to a cell's output (which JupyterLab would save in the notebook),
never sent anywhere, and written to a file only when the learner presses the
report helper's save button.
"""

from datetime import date, time
from html import escape
from pathlib import Path

import ipywidgets as w
from IPython.display import HTML, Image, display

from canhgiac.facts import Facts, load_facts
from canhgiac.lessons import faces
from canhgiac.lessons.report_helper import FIELDS, Summary, build_summary
from canhgiac.lessons.scenarios import ScenarioFile, ScenarioRun, load_scenarios
from canhgiac.text import html_lines

LESSON_CLASS = "canhgiac-lesson"
# Buttons that hold a whole sentence (the simulator's choices) wrap instead of being cut off.
LESSON_CSS = f"""
.{LESSON_CLASS} .widget-button.cg-choice {{
  white-space: normal; height: auto; min-height: 36px; text-align: left; line-height: 1.4; padding: 6px 10px;
}}
.{LESSON_CLASS} .widget-html-content {{ line-height: 1.5; }}
.{LESSON_CLASS} .widget-checkbox {{ height: auto; }}
.{LESSON_CLASS} .widget-checkbox .widget-label-basic {{
  display: flex; align-items: baseline; height: auto; line-height: 1.5; white-space: normal; overflow: visible;
}}
.{LESSON_CLASS} .widget-checkbox input[type="checkbox"] {{ flex-grow: 0; align-self: auto; }}
.{LESSON_CLASS} .cg-message {{
  border-left: 4px solid #a4161a; background: #fff4f4; color: #1d1d1d; padding: 6px 10px; margin: 6px 0;
}}
.{LESSON_CLASS} .cg-good {{ color: #146c2e; font-weight: 600; }}
.{LESSON_CLASS} .cg-poor {{ color: #a4161a; font-weight: 600; }}
"""


# Check boxes as wide as their label, which wraps (the default width cuts it off with "…").
AUTO = w.Layout(width="auto")


def _box(children: list[w.Widget]) -> w.VBox:
    box = w.VBox([w.HTML(f"<style>{LESSON_CSS}</style>"), *children])
    box.add_class(LESSON_CLASS)
    return box


# ---------------------------------------------------------------- scenario simulator


class ScenarioSimulator:
    """Choose a scenario, then a choice at each step; each choice shows its consequence and why."""

    def __init__(self, data: ScenarioFile | None = None):
        self.data = data or load_scenarios()
        self.run: ScenarioRun | None = None
        self.screen = "menu"  # menu | step | outcome | ending
        self.body = w.HTML()
        self.buttons = w.VBox()
        self.widget = _box([self.body, self.buttons])
        self.show_menu()

    def _button(self, text: str, action, choice: bool = False) -> w.Button:
        button = w.Button(description=text, tooltip=text, layout=w.Layout(width="auto", max_width="100%"))
        if choice:
            button.add_class("cg-choice")
        button.on_click(lambda _b: action())
        return button

    def show_menu(self) -> None:
        self.run, self.screen = None, "menu"
        items = "".join(f"<li><b>{escape(s.title)}</b>: {escape(s.intro)}</li>" for s in self.data.scenarios)
        self.body.value = f"<p>Chọn một tình huống để bắt đầu:</p><ul>{items}</ul>"
        self.buttons.children = [
            self._button(f"Bắt đầu: {s.title}", lambda s=s: self.start(s.id)) for s in self.data.scenarios
        ]

    def start(self, scenario_id: str) -> None:
        self.run = ScenarioRun(self.data.get(scenario_id))
        self._show_step()

    def _show_step(self) -> None:
        assert self.run is not None
        step = self.run.step
        if step is None:
            self._show_ending()
            return
        self.screen = "step"
        parts = [
            f"<h3>{escape(self.run.scenario.title)}</h3>",
            f"<p><i>Bước {len(self.run.taken) + 1}</i></p>",
        ]
        if not self.run.taken:
            parts.append(f"<p>{escape(self.run.scenario.intro)}</p>")
        parts.append(f"<p>{escape(step.situation)}</p>")
        if step.message:
            parts.append(
                f"<div class='cg-message'><b>{escape(step.message.sender)}</b><br>{html_lines(step.message.text)}</div>"
            )
        parts.append(f"<p><b>{escape(step.question)}</b></p>")
        self.body.value = "".join(parts)
        self.buttons.children = [
            self._button(c.text, lambda c=c: self.choose(c.id), choice=True) for c in step.choices
        ]

    def choose(self, choice_id: str) -> None:
        assert self.run is not None
        choice = self.run.choose(choice_id)
        self.screen = "outcome"
        verdict = (
            "<span class='cg-good'>✓ Làm đúng</span>"
            if choice.good
            else "<span class='cg-poor'>✗ Chưa nên</span>"
        )
        self.body.value = (
            f"<h3>{escape(self.run.scenario.title)}</h3>"
            f"<p>{verdict}. Anh, chị chọn: {escape(choice.text)}</p>"
            f"<p><b>Điều gì xảy ra:</b> {escape(choice.consequence)}</p>"
            f"<p><b>Vì sao:</b> {escape(choice.explanation)}</p>"
        )
        label = "Xem tổng kết" if self.run.done else "Tiếp tục"
        self.buttons.children = [self._button(label, self.proceed)]

    def proceed(self) -> None:
        self._show_step()

    def _show_ending(self) -> None:
        assert self.run is not None and self.run.ending is not None
        self.screen = "ending"
        ending = self.run.ending
        good, poor = self.run.recap()

        def items(choices) -> str:
            return "".join(f"<li>{escape(c.text)}</li>" for c in choices) or "<li>Không có.</li>"

        self.body.value = (
            f"<h3>{escape(ending.title)}</h3><p>{escape(ending.summary)}</p>"
            f"<p class='cg-good'>Những việc anh, chị đã làm tốt</p><ul>{items(good)}</ul>"
            f"<p class='cg-poor'>Những việc chưa nên làm</p><ul>{items(poor)}</ul>"
        )
        scenario_id = self.run.scenario.id
        self.buttons.children = [
            self._button("Làm lại tình huống này", lambda: self.start(scenario_id)),
            self._button("Chọn tình huống khác", self.show_menu),
        ]


def scenario_simulator() -> ScenarioSimulator:
    """Show the scenario simulator in the notebook."""
    simulator = ScenarioSimulator()
    display(simulator.widget)
    return simulator


# ---------------------------------------------------------------- how a face is pasted in


def paste_steps() -> None:
    """Show the four steps of pasting a face, drawn from made-up people."""
    display(Image(data=faces.steps_png(), format="png"))


def traces() -> None:
    """Show each trace that pasting leaves: what to look for, and the trace beside a more careful paste."""
    for trace in faces.TRACES:
        display(HTML(f"<h3>{escape(trace.label)}</h3><p>{escape(trace.look_for)}</p>"))
        display(Image(data=faces.trace_png(trace.id), format="png"))
        display(HTML(f"<p><i>Trong hình:</i> {escape(trace.shown)}</p>"))


class TraceExercise:
    """The "find the traces" exercise: a pasted picture, the traces to tick, a check with its explanation."""

    def __init__(self):
        self.boxes: dict[int, dict[str, w.Checkbox]] = {}
        self.feedback: dict[int, w.HTML] = {}
        parts: list[w.Widget] = []
        for exhibit in faces.EXHIBITS:
            boxes = {
                oid: w.Checkbox(value=False, description=label, indent=False, layout=AUTO)
                for oid, label in faces.exercise_options()
            }
            self.boxes[exhibit.number] = boxes
            self.feedback[exhibit.number] = w.HTML()
            check = w.Button(description="Kiểm tra", button_style="primary")
            check.on_click(lambda _b, n=exhibit.number: self.check(n))
            parts += [
                w.HTML(f"<h3>Ảnh ghép số {exhibit.number}</h3><p>{faces.EXERCISE_QUESTION}</p>"),
                w.Image(value=faces.exhibit_png(exhibit), format="png", layout=w.Layout(max_width="100%")),
                w.VBox(list(boxes.values())),
                check,
                self.feedback[exhibit.number],
            ]
        self.widget = _box(parts)

    def check(self, number: int) -> bool:
        exhibit = next(e for e in faces.EXHIBITS if e.number == number)
        chosen = [oid for oid, box in self.boxes[number].items() if box.value]
        if not chosen:
            self.feedback[number].value = "<p>Chưa chọn dấu vết nào.</p>"
            return False
        right = sorted(chosen) == sorted(exhibit.answer())
        verdict = (
            "<span class='cg-good'>✓ Đúng rồi!</span>"
            if right
            else "<span class='cg-poor'>✗ Chưa đúng.</span>"
        )
        self.feedback[number].value = f"<p>{verdict}</p><p>{html_lines(exhibit.explanation())}</p>"
        return right


def trace_exercise() -> TraceExercise:
    """Show the "find the traces" exercise in the notebook."""
    exercise = TraceExercise()
    display(exercise.widget)
    return exercise


# ---------------------------------------------------------------- report helper

REPORT_FILE = "tom-tat-trinh-bao.html"
PRIVACY_NOTE = (
    "Những gì anh, chị nhập chỉ nằm trong phiên làm việc này trên máy của anh, chị: không gửi đi đâu, và "
    "không được lưu, trừ khi anh, chị bấm “Lưu thành tệp để in”. Dùng xong, hãy bấm “Xóa hết”."
)


def summary_page(summary: Summary) -> str:
    """A standalone, printable HTML page of the summary (what the save button writes)."""
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{escape(summary.title)}</title>"
        "<style>body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:48rem;margin:2rem auto;line-height:1.5}"
        "dt{font-weight:600;margin-top:.5rem}dd{margin-left:1.5rem}</style></head><body>"
        f"{summary.html()}</body></html>\n"
    )


class ReportHelper:
    """The report helper's form: fields, a summary built on request, a save button, a clear button."""

    def __init__(self, folder: Path | str = ".", facts: Facts | None = None):
        self.folder = Path(folder)
        self.facts = facts or load_facts()
        self.controls: dict[str, object] = {}
        rows: list[w.Widget] = [w.HTML(f"<p><i>{escape(PRIVACY_NOTE)}</i></p>")]
        section = None
        for f in FIELDS:
            if f.section != section:
                section = f.section
                rows.append(w.HTML(f"<h3>{escape(section)}</h3>"))
            label = w.HTML(f"<b>{escape(f.prompt)}</b>" + (f"<br><i>{escape(f.hint)}</i>" if f.hint else ""))
            wide = w.Layout(width="100%", max_width="40rem")
            if f.kind == "date":
                control = w.DatePicker(value=None, layout=w.Layout(width="auto"))
            elif f.kind == "time":
                control = w.TimePicker(value=None, layout=w.Layout(width="auto"))
            elif f.kind == "lines":
                control = w.Textarea(value="", rows=3, layout=wide)
            elif f.kind == "choices":
                control = {
                    oid: w.Checkbox(value=False, description=text, indent=False, layout=AUTO)
                    for oid, text in f.options
                }
            else:
                control = w.Text(value="", layout=wide)
            self.controls[f.id] = control
            shown = w.VBox(list(control.values())) if isinstance(control, dict) else control
            rows += [label, shown]
        self.summary_view = w.HTML()
        self.status = w.HTML()
        build = w.Button(description="Tạo bản tóm tắt", button_style="primary")
        build.on_click(lambda _b: self.show())
        save = w.Button(description="Lưu thành tệp để in", tooltip=f"Ghi tệp {REPORT_FILE} vào thư mục này")
        save.on_click(lambda _b: self.save())
        clear = w.Button(description="Xóa hết", button_style="warning")
        clear.on_click(lambda _b: self.clear())
        rows += [w.HBox([build, save, clear]), self.status, self.summary_view]
        self.widget = _box(rows)

    def values(self) -> dict[str, object]:
        """What was entered, as build_summary takes it."""
        out: dict[str, object] = {}
        for fid, control in self.controls.items():
            if isinstance(control, dict):
                out[fid] = [oid for oid, box in control.items() if box.value]
            else:
                value = control.value
                if isinstance(value, date):
                    value = value.isoformat()
                elif isinstance(value, time):
                    value = value.strftime("%H:%M")
                out[fid] = value or ""
        return out

    def summary(self) -> Summary:
        return build_summary(self.values(), self.facts)

    def show(self) -> Summary:
        summary = self.summary()
        self.summary_view.value = summary.html()
        self.status.value = ""
        return summary

    def save(self) -> Path:
        """Write the printable summary beside the notebook: only when the learner asks for it."""
        path = self.folder / REPORT_FILE
        path.write_text(summary_page(self.show()), encoding="utf-8")
        self.status.value = (
            f"<p>Đã lưu tệp <code>{escape(str(path))}</code>. Mở tệp bằng trình duyệt để in. Tệp có thông tin "
            "cá nhân: sau khi in, hãy xóa tệp.</p>"
        )
        return path

    def clear(self) -> None:
        for control in self.controls.values():
            if isinstance(control, dict):
                for box in control.values():
                    box.value = False
            elif isinstance(control, w.DatePicker | w.TimePicker):
                control.value = None
            else:
                control.value = ""
        self.summary_view.value = ""
        self.status.value = "<p>Đã xóa mọi thông tin đã nhập.</p>"


def report_helper(folder: Path | str = ".") -> ReportHelper:
    """Show the report helper in the notebook."""
    helper = ReportHelper(folder)
    display(helper.widget)
    return helper
