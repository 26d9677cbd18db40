"""`canhgiac roster import FILE`: the learners of a course, from the trainer's CSV or Excel file."""

from canhgiac.roster.read import Learner, RosterError, read_roster
from canhgiac.roster.store import ImportResult, import_roster, load_learners

__all__ = ["ImportResult", "Learner", "RosterError", "import_roster", "load_learners", "read_roster"]
