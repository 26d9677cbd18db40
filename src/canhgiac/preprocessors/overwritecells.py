"""Restoring deleted grade cells in the source notebook's order.

nbgrader 0.9's OverwriteCells (with add_missing_cells) re-inserts a deleted
grade cell after "the previous solution/grade cell", looked up by the source
cell just before it; when that one is a locked cell, a markdown cell, or was
deleted too, it fails with a KeyError and the whole submission is not graded.
A learner who deletes cells must lose nothing and gain nothing, so this
subclass re-inserts each missing grade cell after the nearest cell before it
in the source notebook that the submission still has, whatever its type.
"""

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import OverwriteCells


def _grade_id(cell: NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


class OverwriteCellsInOrder(OverwriteCells):
    """OverwriteCells whose re-insertion of missing grade cells cannot fail."""

    def add_missing_grade_cells(
        self, nb: NotebookNode, resources: ResourcesDict
    ) -> tuple[NotebookNode, ResourcesDict]:
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {cell.name: cell for cell in source_nb.source_cells}
        order = list(source_cells)
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}

        for position, name in enumerate(order):
            present = {_grade_id(cell): i for i, cell in enumerate(nb.cells) if _grade_id(cell)}
            if name not in grade_cells or name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", name)
            cell = self.missing_cell_transform(
                source_cells[name], grade_cells[name].max_score, is_solution=name in solution_ids
            )
            before = [present[prev] for prev in order[:position] if prev in present]
            nb.cells.insert(before[-1] + 1 if before else 0, cell)
        return nb, resources
