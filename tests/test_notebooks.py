"""The notebooks of notebooks/: stored clean, listed in the book, and run by a real kernel."""

import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from canhgiac.sphinxext.lessons import METADATA_KEY, PARTS
from canhgiac.tools import tool_env

pytestmark = pytest.mark.kernel

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _is_lesson(path: Path) -> bool:
    """A notebook with a lesson cell is an interactive lesson, and a page of the book."""
    cells = nbformat.read(path, as_version=4).cells
    return any(c.cell_type == "code" and c.metadata.get(METADATA_KEY, {}).get("book") for c in cells)


LESSONS = [p for p in NOTEBOOKS if _is_lesson(p)]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _run(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    # The venv's python3 kernel (jupyter_client starts "python" as this interpreter), in the
    # notebook's folder, as JupyterLab runs it; the venv's commands first on PATH.
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env=tool_env())
    return notebook


@pytest.fixture(scope="module")
def executed() -> dict[str, nbformat.NotebookNode]:
    """Every notebook, run once by a real kernel (in parallel: each has a kernel of its own)."""
    with ThreadPoolExecutor(max_workers=len(NOTEBOOKS)) as pool:
        return dict(zip([p.name for p in NOTEBOOKS], pool.map(_run, NOTEBOOKS), strict=True))


def test_there_are_the_three_lessons():
    """Are the scenario simulator, the face lesson and the report helper in notebooks/?"""
    assert {p.name for p in LESSONS} >= {
        "tinh-huong.ipynb",
        "cat-ghep-khuon-mat.ipynb",
        "ho-tro-trinh-bao.ipynb",
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_executes_without_error(executed, path):
    """Does the notebook run from top to bottom with a real kernel, each lesson cell showing its lesson?"""
    notebook = executed[path.name]
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, "\n".join(f"{e.ename}: {e.evalue}" for e in errors)
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.metadata.get(METADATA_KEY, {}).get("book"):
            data = [o.get("data", {}) for o in cell.outputs if o.output_type == "display_data"]
            assert any(WIDGET_VIEW in d or "image/png" in d for d in data), f"cell {cell.id} showed nothing"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lessons_are_stored_without_outputs_or_widget_state(path):
    """Is the lesson stored valid, in NFC, with no outputs and no widget state (which would load a CDN in the book)?"""
    text = path.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    assert "widgets" not in notebook.metadata
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {cell.id} has outputs"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_lesson_is_a_page_of_the_book(path):
    """Is the lesson listed in _toc.yml, under "Thực hành", with every code cell naming a part the book renders?"""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    practice = next(p for p in toc["parts"] if p["caption"] == "Thực hành")
    assert f"notebooks/{path.stem}" in [c["file"] for c in practice["chapters"]]
    notebook = nbformat.read(path, as_version=4)
    parts = [c.metadata.get(METADATA_KEY, {}).get("book") for c in notebook.cells if c.cell_type == "code"]
    assert parts and all(part in PARTS for part in parts), parts
