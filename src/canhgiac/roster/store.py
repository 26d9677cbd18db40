"""Storing a roster: learners into nbgrader's gradebook, their agency and commune beside it, in one transaction."""

from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Student
from sqlalchemy import delete, select

from canhgiac.course import Course
from canhgiac.course.learners import LEARNER, TRAINER
from canhgiac.course.tables import learner as learner_table
from canhgiac.course.tables import trainer as trainer_table
from canhgiac.roster.read import Learner, read_roster

# SQLite allows at most 999 parameters in a statement: IDs go in chunks.
CHUNK = 500


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int


def split_name(full_name: str) -> tuple[str, str]:
    """(given names, family name) of a Vietnamese full name: 'Nguyễn Thị Lan' -> ('Thị Lan', 'Nguyễn')."""
    family, _, given = full_name.partition(" ")
    return (given or family, family if given else "")


def import_roster(course: Course, path: Path) -> ImportResult:
    """Read and check the whole file, then store every learner, or none when anything fails."""
    learners = read_roster(path)
    with course.gradebook() as gradebook:
        session = gradebook.db
        ids = [entry.id for entry in learners]
        try:
            existing: dict[str, Student] = {}
            for i in range(0, len(ids), CHUNK):
                chunk = ids[i : i + CHUNK]
                existing.update(
                    {s.id: s for s in session.scalars(select(Student).where(Student.id.in_(chunk)))}
                )
                session.execute(delete(learner_table).where(learner_table.c.id.in_(chunk)))
                session.execute(delete(trainer_table).where(trainer_table.c.learner_id.in_(chunk)))
            for entry in learners:
                first, last = split_name(entry.full_name)
                student = existing.get(entry.id)
                if student is None:
                    session.add(
                        Student(id=entry.id, first_name=first, last_name=last, email=entry.email or None)
                    )
                else:
                    student.first_name, student.last_name = first, last
                    student.email = entry.email or None
            session.execute(
                learner_table.insert(),
                [
                    {
                        "id": e.id,
                        "full_name": e.full_name,
                        "agency": e.agency,
                        "commune": e.commune,
                        "email": e.email,
                    }
                    for e in learners
                ],
            )
            trainers = [{"learner_id": e.id} for e in learners if e.role == TRAINER]
            if trainers:
                session.execute(trainer_table.insert(), trainers)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return ImportResult(added=len(learners) - len(existing), updated=len(existing))


def load_learners(course: Course) -> dict[str, Learner]:
    """The course's learners by ID, as imported, with their role."""
    with course.gradebook() as gradebook:
        trainers = set(gradebook.db.scalars(select(trainer_table.c.learner_id)))
        rows = gradebook.db.execute(select(learner_table)).mappings()
        return {
            row["id"]: Learner(**dict(row), role=TRAINER if row["id"] in trainers else LEARNER)
            for row in rows
        }
