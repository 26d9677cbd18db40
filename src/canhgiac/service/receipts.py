"""Receipts of the submissions handed in online: what makes a resend with the same client `id` a no-op.

One row per (learner, client id), in the course's database beside the
gradebook: when the learner's page sends an attempt again (it did not hear the
answer, the connection dropped), the service finds the receipt and answers
with it, storing nothing new.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, DateTime, String, Table, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from canhgiac.course.tables import metadata

receipt = Table(
    "canhgiac_online_submission",
    metadata,
    Column("learner_id", String(128), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("assignment", String(128), nullable=False),
    Column("received_at", DateTime, nullable=False),
    # The attempt it became (collect's submission time), or that it repeated.
    Column("submitted_at", DateTime, nullable=False),
    Column("sha256", String(64), nullable=False),
)


@dataclass(frozen=True)
class Receipt:
    id: str
    learner: str
    assignment: str
    received_at: datetime
    submitted_at: datetime
    sha256: str

    def public(self) -> dict:
        return {"id": self.id, "received_at": self.received_at.isoformat() + "Z", "sha256": self.sha256}


def _receipt(row) -> Receipt:
    return Receipt(row.id, row.learner_id, row.assignment, row.received_at, row.submitted_at, row.sha256)


def find(engine: Engine, learner: str, ident: str) -> Receipt | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(receipt).where(receipt.c.learner_id == learner, receipt.c.id == ident)
        ).first()
    return _receipt(row) if row else None


def save(engine: Engine, new: Receipt) -> Receipt:
    """Store a receipt; the one already stored when the same id won a race."""
    try:
        with engine.begin() as conn:
            conn.execute(
                receipt.insert().values(
                    learner_id=new.learner,
                    id=new.id,
                    assignment=new.assignment,
                    received_at=new.received_at,
                    submitted_at=new.submitted_at,
                    sha256=new.sha256,
                )
            )
        return new
    except IntegrityError:
        return find(engine, new.learner, new.id) or new


def of_learner(engine: Engine, learner: str) -> dict[tuple[str, datetime], Receipt]:
    with engine.connect() as conn:
        rows = conn.execute(select(receipt).where(receipt.c.learner_id == learner))
        return {(row.assignment, row.submitted_at): _receipt(row) for row in rows}
