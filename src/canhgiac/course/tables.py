"""Our tables, in the same database as nbgrader's gradebook (SQLite or PostgreSQL).

nbgrader's `student` table has no place for a learner's agency and commune, and
its gradebook holds only the latest submission of each assignment.  These
tables sit beside it, so that one transaction can change both, one backup holds
both, and a report is one SQL query over both.
"""

import time

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    create_engine,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.schema import Table

metadata = MetaData()

# One row per learner of the roster; `id` is nbgrader's student id.
learner = Table(
    "canhgiac_learner",
    metadata,
    Column("id", String(128), primary_key=True),
    Column("full_name", String(256), nullable=False),
    Column("agency", String(256), nullable=False, default=""),
    Column("commune", String(256), nullable=False, default=""),
    Column("email", String(256), nullable=False, default=""),
)

# The roster's trainers (column "Vai trò" = cán bộ phụ trách); on the hosted course they form
# the hub group with the trainer's rights.  Kept apart from canhgiac_learner so that a
# gradebook made before this column needs no migration.
trainer = Table(
    "canhgiac_trainer",
    metadata,
    Column("learner_id", String(128), primary_key=True),
)

# One row per graded attempt: each time `canhgiac grade` grades a submission
# (nbgrader's submitted/<learner>/<assignment>/ with its timestamp), its scores
# are copied here.  The unique key makes grading the same attempt twice a no-op.
attempt = Table(
    "canhgiac_attempt",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("learner_id", String(128), nullable=False, index=True),
    Column("assignment", String(128), nullable=False),
    # nbgrader's submission timestamp, as written in timestamp.txt.
    Column("submitted_at", DateTime, nullable=False),
    Column("graded_at", DateTime, nullable=False),
    Column("score", Float, nullable=False),
    Column("max_score", Float, nullable=False),
    UniqueConstraint("learner_id", "assignment", "submitted_at", name="canhgiac_attempt_once"),
)

# The score of each question in an attempt (question id = nbgrader's grade cell name).
attempt_grade = Table(
    "canhgiac_attempt_grade",
    metadata,
    Column("attempt_id", Integer, ForeignKey("canhgiac_attempt.id", ondelete="CASCADE"), primary_key=True),
    Column("question_id", String(128), primary_key=True),
    Column("score", Float, nullable=False),
    Column("max_score", Float, nullable=False),
)

# What `canhgiac grade` found that a trainer should look at in an attempt ("cần xem lại": cells a
# learner added or edited, a notebook that could not be read...), one row per note; shown in the report.
attempt_review = Table(
    "canhgiac_attempt_review",
    metadata,
    Column("attempt_id", Integer, ForeignKey("canhgiac_attempt.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("note", String(1000), nullable=False),
)


# The graded attempts whose time is only the date of the file received (collect's FILE_DATED mark),
# not when the learner saved: the report names them.  A table of its own, so that a gradebook made
# before it gains it without changing the others.
attempt_file_dated = Table(
    "canhgiac_attempt_file_dated",
    metadata,
    Column("attempt_id", Integer, ForeignKey("canhgiac_attempt.id", ondelete="CASCADE"), primary_key=True),
)


# How often a creation that met another process's is checked again, and the pause before each time.
CREATE_TRIES = 6
CREATE_PAUSE_SECONDS = 0.2


def create_tables(bind) -> None:
    """Our tables, created where missing: the one place they are made (Course.gradebook, open_engine,
    the course service and the hosted graders).

    Several processes can start together on a new database (`hub run` starts the course service and a
    grader at once; replicas on Kubernetes).  `create_all` checks, then creates: between the two,
    another process may have made the table ("table ... already exists" on SQLite, a duplicate
    `pg_type` row on PostgreSQL) or hold SQLite's lock.  Checked again after a pause, that table is
    there and only what is still missing is made.
    """
    for tried in range(1, CREATE_TRIES + 1):
        try:
            metadata.create_all(bind)
            return
        except (OperationalError, ProgrammingError, IntegrityError):
            if tried == CREATE_TRIES:
                raise
            time.sleep(CREATE_PAUSE_SECONDS * tried)


def open_engine(db_url: str) -> Engine:
    """An engine on the course's database, with our tables created when missing."""
    engine = create_engine(db_url, future=True)
    create_tables(engine)
    return engine
