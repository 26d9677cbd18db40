"""nbgrader preprocessors of the course, one per file (as nbgrader's own)."""

from canhgiac.preprocessors.overwritecells import OverwriteCellsInOrder
from canhgiac.preprocessors.questionfeedback import QuestionFeedback
from canhgiac.preprocessors.removeungradedcells import RemoveUngradedCells

__all__ = ["OverwriteCellsInOrder", "QuestionFeedback", "RemoveUngradedCells"]
