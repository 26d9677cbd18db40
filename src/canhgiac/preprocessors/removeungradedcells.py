"""Keeping only the grade cells of a quiz notebook for its feedback page.

A quiz notebook (canhgiac.assign.notebook) has an instructions cell ("Chạy ô
bên dưới ..."), the quiz cell, then one grade cell per question.  The quiz
cell's source is some 150 lines of Python holding the quiz's data, and its
output an ipywidgets quiz that only a running kernel can draw: nbgrader's
feedback showed the learner that source.  The feedback reports the questions,
one grade cell each (canhgiac.preprocessors.QuestionFeedback); the other
cells, and any cell a learner added, mean nothing on a page sent after the
quiz, and are removed.

The notebook's widget state (metadata "widgets", saved with the quiz) goes too:
nbconvert's templates draw it with a widget manager loaded from a CDN, and the
feedback page loads nothing from anywhere.
"""

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


class RemoveUngradedCells(NbGraderPreprocessor):
    """Remove every cell that is not a grade cell, and the notebook's widget state."""

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        removed = [cell for cell in nb.cells if not utils.is_grade(cell)]
        if removed:
            self.log.debug("Removing %d cells that are not grade cells", len(removed))
        nb.cells = [cell for cell in nb.cells if utils.is_grade(cell)]
        nb.metadata.pop("widgets", None)
        return nb, resources
