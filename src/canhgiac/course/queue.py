"""The grading queue of the hosted course, in the course's database: graders on several machines share it.

One row per (learner, assignment) that has attempts to grade.  Whoever stores
an attempt (the course service, or a scan of the course folder) asks for it to
be graded by moving `requested_at` on.  A grader claims a row for a while (a
lease): it grades that learner's quiz, then marks the request it saw as done.
One key is graded by one grader at a time, since nbgrader grades a learner's
quiz in one folder (submitted/<learner>/<assignment>/).

- Claiming is atomic: on PostgreSQL the candidates are locked with
  `SELECT ... FOR UPDATE SKIP LOCKED` (another grader skips them instead of
  waiting), on SQLite each claim is one conditional UPDATE; either way a row is
  claimed by one grader only.
- A grader renews its lease while it works.  One that is killed stops
  renewing: when its lease has run out, another grader claims the row and
  grades the attempt again (an attempt counts as graded only once its scores
  are recorded, canhgiac.grade.record, so nothing is lost or counted twice).
- A request that arrives while a row is being graded leaves the row wanted
  again after the grader marks what it saw as done.
- On PostgreSQL a request also sends NOTIFY on CHANNEL: a grader waiting for
  work LISTENs and claims at once instead of at its next poll.
- A batch `canhgiac grade` holds the rows of what it grades (`hold`), so it
  and the hosted graders never grade one learner's quiz at the same time.

A grading that failed is kept in canhgiac_grading_failure, for the learner's
results ("loi") and the trainer, until a later grading of that attempt succeeds.
"""

import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, DateTime, String, Table, Text, and_, case, or_, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from canhgiac.course.tables import metadata

queue = Table(
    "canhgiac_grading_queue",
    metadata,
    Column("learner_id", String(128), primary_key=True),
    Column("assignment", String(128), primary_key=True),
    Column("requested_at", DateTime, nullable=False),
    Column("done_at", DateTime, nullable=True),  # the requested_at that the last finished grading saw
    Column("claimed_by", String(256), nullable=True),
    Column("lease_until", DateTime, nullable=True),
)

# The PostgreSQL channel on which a grading request wakes the graders up (LISTEN/NOTIFY); SQLite
# has none, and its graders poll.
CHANNEL = "canhgiac_grading"

failure = Table(
    "canhgiac_grading_failure",
    metadata,
    Column("learner_id", String(128), primary_key=True),
    Column("assignment", String(128), primary_key=True),
    Column("submitted_at", DateTime, primary_key=True),
    Column("failed_at", DateTime, nullable=False),
    Column("reason", Text, nullable=False),
)


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def grader_name() -> str:
    """Who holds a claim: the machine and the process, as an operator reads it."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claim:
    learner: str
    assignment: str
    requested_at: datetime


def _notify(conn: Connection) -> None:
    """On PostgreSQL, wake the graders up (they LISTEN): sent when the transaction commits."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"NOTIFY {CHANNEL}"))


def request_grading(engine: Engine, learner: str, assignment: str) -> None:
    """Ask for a learner's quiz to be graded (again): its new attempts will be."""
    moment = now()
    with engine.begin() as conn:
        changed = conn.execute(
            update(queue)
            .where(queue.c.learner_id == learner, queue.c.assignment == assignment)
            .values(requested_at=moment)
        ).rowcount
        if changed:
            _notify(conn)
            return
    try:
        with engine.begin() as conn:
            conn.execute(
                queue.insert().values(learner_id=learner, assignment=assignment, requested_at=moment)
            )
            _notify(conn)
    except IntegrityError:  # another request inserted it meanwhile
        with engine.begin() as conn:
            conn.execute(
                update(queue)
                .where(queue.c.learner_id == learner, queue.c.assignment == assignment)
                .values(requested_at=moment)
            )
            _notify(conn)


def _wanted(moment: datetime):
    return and_(
        or_(queue.c.done_at.is_(None), queue.c.done_at < queue.c.requested_at),
        or_(queue.c.lease_until.is_(None), queue.c.lease_until < moment),
    )


def claim(engine: Engine, grader: str, lease: timedelta, limit: int) -> list[Claim]:
    """Claim up to `limit` rows that want grading and that nobody holds (or whose holder's lease ran out)."""
    moment = now()
    claims: list[Claim] = []
    with engine.begin() as conn:
        candidates = (
            select(queue.c.learner_id, queue.c.assignment, queue.c.requested_at)
            .where(_wanted(moment))
            .order_by(queue.c.requested_at)
            .limit(limit)
        )
        if conn.dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        for learner, assignment, requested_at in conn.execute(candidates).all():
            # Conditional: on SQLite, another grader may have claimed it since the SELECT.
            taken = conn.execute(
                update(queue)
                .where(queue.c.learner_id == learner, queue.c.assignment == assignment, _wanted(moment))
                .values(claimed_by=grader, lease_until=moment + lease)
            ).rowcount
            if taken == 1:
                claims.append(Claim(learner, assignment, requested_at))
    return claims


def _insert_missing(conn: Connection, keys: list[tuple[str, str]], moment: datetime) -> None:
    """A queue row for each key that has none, wanted (INSERT ... ON CONFLICT DO NOTHING)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the course runs on SQLite or PostgreSQL
        raise NotImplementedError(conn.dialect.name)
    rows = [
        {"learner_id": learner, "assignment": assignment, "requested_at": moment}
        for learner, assignment in keys
    ]
    conn.execute(insert(queue).on_conflict_do_nothing(), rows)


def hold(
    engine: Engine,
    grader: str,
    keys: list[tuple[str, str]],
    lease: timedelta,
    chunk: int = 500,
    dead: str | None = None,
) -> tuple[list[Claim], list[tuple[str, str]]]:
    """Take the lease of each of these learners' quizzes that nobody holds (a batch `canhgiac grade`).

    Whether or not they were asked for: the batch grades what it found in the
    course folder.  Returns (the claims held, the keys another grader holds);
    the holder grades those, and `finish` marks what it saw as done as a
    claim does.  `chunk` keys per transaction.  `dead`: a prefix of holders known
    to be gone, whose leases are taken over at once (a batch run killed before
    this one, which holds the course's lock file now).
    """
    held: list[Claim] = []
    busy: list[tuple[str, str]] = []
    for start in range(0, len(keys), chunk):
        part = sorted(set(keys[start : start + chunk]))
        moment = now()
        with engine.begin() as conn:
            _insert_missing(conn, part, moment)
            free = or_(queue.c.lease_until.is_(None), queue.c.lease_until < moment)
            if dead is not None:
                free = or_(free, queue.c.claimed_by.startswith(dead, autoescape=True))
            for learner, assignment in part:
                row = conn.execute(
                    update(queue)
                    .where(queue.c.learner_id == learner, queue.c.assignment == assignment, free)
                    # Asked for now, so that if this run is killed, the lease runs out and a
                    # hosted grader grades what it had not finished.
                    .values(
                        claimed_by=grader,
                        lease_until=moment + lease,
                        requested_at=case(
                            (queue.c.requested_at > moment, queue.c.requested_at), else_=moment
                        ),
                    )
                    .returning(queue.c.requested_at)
                ).first()
                if row is None:
                    busy.append((learner, assignment))
                else:
                    held.append(Claim(learner, assignment, row.requested_at))
    return held, busy


def renew(engine: Engine, grader: str, lease: timedelta) -> int:
    """Extend the leases this grader holds; how many it still holds."""
    with engine.begin() as conn:
        return conn.execute(
            update(queue).where(queue.c.claimed_by == grader).values(lease_until=now() + lease)
        ).rowcount


def finish(engine: Engine, grader: str, done: Claim) -> bool:
    """Mark the request a claim saw as done and let the row go; False if the lease had been lost."""
    with engine.begin() as conn:
        return (
            conn.execute(
                update(queue)
                .where(
                    queue.c.learner_id == done.learner,
                    queue.c.assignment == done.assignment,
                    queue.c.claimed_by == grader,
                )
                .values(done_at=done.requested_at, claimed_by=None, lease_until=None)
            ).rowcount
            == 1
        )


def release_all(engine: Engine, grader: str) -> None:
    """Let go of every claim without marking it done (a grader stopping): others take them at once."""
    with engine.begin() as conn:
        conn.execute(
            update(queue).where(queue.c.claimed_by == grader).values(claimed_by=None, lease_until=None)
        )


def record_failure(
    conn: Connection, learner: str, assignment: str, submitted_at: datetime, reason: str
) -> None:
    key = and_(
        failure.c.learner_id == learner,
        failure.c.assignment == assignment,
        failure.c.submitted_at == submitted_at,
    )
    conn.execute(failure.delete().where(key))
    conn.execute(
        failure.insert().values(
            learner_id=learner,
            assignment=assignment,
            submitted_at=submitted_at,
            failed_at=now(),
            reason=reason,
        )
    )


def clear_failure(conn: Connection, learner: str, assignment: str, submitted_at: datetime) -> None:
    conn.execute(
        failure.delete().where(
            failure.c.learner_id == learner,
            failure.c.assignment == assignment,
            failure.c.submitted_at == submitted_at,
        )
    )


def failures_of(conn: Connection, learner: str) -> dict[tuple[str, datetime], str]:
    rows = conn.execute(
        select(failure.c.assignment, failure.c.submitted_at, failure.c.reason).where(
            failure.c.learner_id == learner
        )
    )
    return {(assignment, when): reason for assignment, when, reason in rows}


# The feedback of each graded attempt as the learner may read it (what canhgiac.quiz.grading.grade
# printed for each question: the points and the reason, never the key), kept by the graders
# when they grade it, since nbgrader's autograded/ folder holds only the latest attempt.
feedback = Table(
    "canhgiac_attempt_feedback",
    metadata,
    Column("learner_id", String(128), primary_key=True),
    Column("assignment", String(128), primary_key=True),
    Column("submitted_at", DateTime, primary_key=True),
    Column("questions", Text, nullable=False),  # JSON: [{"question", "feedback": [lines]}]
)


def question_feedback(notebook_path: Path) -> list[dict]:
    """What grade() printed in each graded cell of an autograded quiz (no source, no key)."""
    try:
        notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    found = []
    for cell in notebook.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not (meta.get("grade") and meta.get("grade_id")):
            continue
        lines, failed = [], False
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                text = output.get("text", "")
                text = "".join(text) if isinstance(text, list) else text
                lines += [line.strip() for line in text.splitlines() if line.strip()]
            elif output.get("output_type") == "error" or output.get("name") == "stderr":
                failed = True
        if failed or not lines:
            lines = ["Không chấm được câu này; cán bộ phụ trách sẽ kiểm tra lại."]
        found.append({"question": str(meta["grade_id"]), "feedback": lines})
    return found


def autograded_feedback(
    root: Path, learner: str, assignment: str, submitted_at: datetime
) -> list[dict] | None:
    """The feedback of an attempt from nbgrader's autograded/ folder, if that folder holds this attempt."""
    from canhgiac.course.attempts import read_timestamp

    folder = root / "autograded" / learner / assignment
    if read_timestamp(folder) != submitted_at:
        return None
    notebooks = sorted(folder.glob("*.ipynb"))
    return question_feedback(notebooks[0]) if notebooks else None
