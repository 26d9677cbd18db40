"""A learner of the course and the rule for learner IDs, written once for the roster, `collect` and the hub."""

import re
from dataclasses import dataclass

# A learner ID becomes a folder name (submitted/<id>/) and a file name (<id>_<quiz>.json).
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ID_RULE = "chỉ dùng chữ không dấu, số, '.', '-', '_'; tối đa 64 ký tự"


def is_valid_id(learner_id: str) -> bool:
    return bool(ID_PATTERN.match(learner_id))


def id_key(learner_id: str) -> str:
    """The form two IDs are compared in: a file name or a spreadsheet may change their case (LS-0001, ls-0001)."""
    return learner_id.lower()


# The roster's optional column "Vai trò": who takes the course, and who runs it (on the
# hosted course, trainers form the hub group that may see the report).  Empty = a learner.
LEARNER, TRAINER = "học viên", "cán bộ phụ trách"


@dataclass(frozen=True)
class Learner:
    id: str
    full_name: str
    agency: str
    commune: str
    email: str = ""
    role: str = LEARNER
