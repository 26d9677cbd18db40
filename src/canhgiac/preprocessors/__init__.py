"""nbgrader preprocessors of the course, one per file (as nbgrader's own)."""

from canhgiac.preprocessors.overwritecells import OverwriteCellsInOrder

__all__ = ["OverwriteCellsInOrder"]
