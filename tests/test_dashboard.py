"""The trainer's dashboard, notebooks/bang-dieu-khien.ipynb: run by a real kernel on a course, and on none."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from synthetic import generate_gradebook

from canhgiac.course import Course
from canhgiac.course.model import merge_sums
from canhgiac.course.read import read_course
from canhgiac.report.settings import ReportSettings
from canhgiac.report.tables import by_group, questions_table, statuses
from canhgiac.tools import tool_env

# The slow tier's marks of the tests that use these fixtures (tests/conftest.py).
SLOW_FIXTURES = {"executed": "kernel"}

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "bang-dieu-khien.ipynb"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _run(course: Path) -> nbformat.NotebookNode:
    """The dashboard run by the venv's kernel, its course cell set to `course`, as a trainer would edit it."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = f"COURSE = {str(course)!r}"
    client = NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute(env=tool_env())
    return notebook


def _shown(notebook: nbformat.NotebookNode) -> list[dict]:
    """Everything the notebook displayed: cell outputs, and the outputs captured in its Output widgets."""
    outputs = [o for c in notebook.cells for o in c.get("outputs", [])]
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for model in state.values():
        if model["model_name"] == "OutputModel":
            outputs += model["state"].get("outputs", [])
        if model["model_name"] == "HTMLModel":
            outputs.append({"output_type": "widget", "data": {"text/html": model["state"].get("value", "")}})
    return outputs


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("course")
    generate_gradebook(f"sqlite:///{folder / 'gradebook.db'}", 40, quizzes=3, questions=5, seed=5, agencies=3)
    return folder


@pytest.fixture(scope="module")
def executed(course, tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    """The dashboard run on the generated course and on an empty folder, side by side (a kernel each)."""
    empty = tmp_path_factory.mktemp("empty")
    with ThreadPoolExecutor(max_workers=2) as pool:
        full, none = pool.map(_run, [course, empty])
    return {"course": full, "empty": none, "empty_folder": empty}


def test_the_dashboard_shows_the_charts_and_tables(executed):
    """On a course, does the dashboard run without error and show its filters, charts and tables?"""
    notebook = executed["course"]
    outputs = _shown(notebook)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "\n".join(o.get("data", {}).get("text/html", "") for o in outputs)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3
    for caption in (
        "Hoàn thành và đạt theo cơ quan",
        "Các bài kiểm tra",
        "Phân tích từng câu hỏi",
        "Cần nhắc",
    ):
        assert caption in html
    views = [
        o
        for c in notebook.cells
        for o in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert views, "the filters were not shown"
    state = notebook.metadata["widgets"][WIDGET_STATE]["state"]
    dropdowns = {m["state"]["description"] for m in state.values() if m["model_name"] == "DropdownModel"}
    assert dropdowns == {"Cơ quan", "Xã", "Bài"}


def test_the_dashboard_explains_a_course_without_a_gradebook(executed):
    """On a folder with no gradebook, does the dashboard say what to do instead of failing, and create nothing?"""
    outputs = _shown(executed["empty"])
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "\n".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "chưa có sổ điểm" in html and "canhgiac roster import" in html
    assert list(executed["empty_folder"].iterdir()) == []


def test_the_view_of_one_agency_matches_the_report(course):
    """Does the dashboard's view of one agency add up to that agency's row of the report, and its questions to theirs?"""
    c = Course(course)
    data = read_course(c)
    whole = {row[0]: row for row in by_group(data, statuses(data, c.rules), "agency").rows}
    for agency in data.agencies():
        view = data.filtered(agency=agency)
        total = by_group(view, statuses(view, c.rules), "commune").rows[-1]
        assert total[1:] == whole[agency][1:]
        assert {s.agency for s in view.question_sums} == {agency}
    # The question sums of the agencies add up to the whole course's.
    parts = [s for a in data.agencies() for s in data.filtered(agency=a).question_sums]
    assert [(s.question, s.n, s.x, s.xt) for s in merge_sums(parts)] == [
        (s.question, s.n, s.x, s.xt) for s in merge_sums(data.question_sums)
    ]
    one_quiz = questions_table(data, ReportSettings(), ["final"])
    assert one_quiz.rows and {row[1] for row in one_quiz.rows} == {"final"}


def test_the_dashboard_is_stored_clean_and_for_trainers():
    """Is the notebook stored in NFC without outputs, marked for trainers, and kept out of the book?"""
    text = NOTEBOOK.read_text(encoding="utf-8")
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["canhgiac"]["audience"] == "trainer"
    assert all(c.get("outputs", []) == [] for c in notebook.cells if c.cell_type == "code")
    assert "bang-dieu-khien" not in (ROOT / "_toc.yml").read_text(encoding="utf-8")


def test_the_dashboard_takes_a_course_path_in_the_home_folder(course, monkeypatch):
    """With COURSE = "~/...", does the dashboard read that course in the home folder, and name a mistyped one?"""
    import ipywidgets as widgets

    from canhgiac.report.dashboard import dashboard

    monkeypatch.setenv("HOME", str(course.parent))
    assert isinstance(dashboard(f"~/{course.name}"), widgets.VBox)
    missing = dashboard("~/khoa-hoc-go-sai")
    assert "Không có thư mục khóa học" in missing.value
    assert str(course.parent.resolve() / "khoa-hoc-go-sai") in missing.value
    assert not (course.parent / "khoa-hoc-go-sai").exists()


def test_the_dashboard_names_a_mistake_in_the_course_settings(tmp_path):
    """With `pass_mark = 0,8` in the course's nbgrader_config.py, does the dashboard say so instead of failing?"""
    from canhgiac.report.dashboard import dashboard

    (tmp_path / "nbgrader_config.py").write_text("c.CourseRules.pass_mark = 0,8\n", encoding="utf-8")
    shown = dashboard(str(tmp_path)).value
    assert "pass_mark" in shown and "0.8" in shown
