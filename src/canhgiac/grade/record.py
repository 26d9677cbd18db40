"""Copying a graded submission's scores from nbgrader's gradebook into canhgiac_attempt, once.

nbgrader's gradebook keeps one submission per learner and quiz; every graded
attempt is kept in our tables beside it (canhgiac.course.tables), so that the
report can count the latest or the best attempt.  The attempt's row and its
questions' rows are written in one transaction, after nbgrader has finished:
there is never an attempt counted with half its questions.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from nbgrader.api import Assignment, Gradebook, MissingEntry, Student, SubmittedAssignment
from sqlalchemy import select

from canhgiac.course.attempts import AttemptKey
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.course.tables import attempt_file_dated as file_dated_table
from canhgiac.course.tables import attempt_grade as grade_table
from canhgiac.course.tables import attempt_review as review_table


class NotGraded(Exception):
    """nbgrader's gradebook does not hold a complete grading of the attempt; the message says why."""


@dataclass(frozen=True)
class QuestionScore:
    question_id: str
    score: float
    max_score: float
    needs_manual_grade: bool


def graded_keys(gradebook: Gradebook, key: tuple[str, str] | None = None) -> set[AttemptKey]:
    """The key (learner, assignment, time) of every attempt already recorded (of one learner's quiz: `key`)."""
    query = select(attempt_table.c.learner_id, attempt_table.c.assignment, attempt_table.c.submitted_at)
    if key is not None:
        query = query.where(attempt_table.c.learner_id == key[0], attempt_table.c.assignment == key[1])
    return {AttemptKey(*row) for row in gradebook.db.execute(query)}


def gradebook_times(
    gradebook: Gradebook, key: tuple[str, str] | None = None
) -> dict[tuple[str, str], datetime | None]:
    """The time of the submission nbgrader's gradebook holds, by (learner, assignment) (of `key` only)."""
    query = (
        select(Student.id, Assignment.name, SubmittedAssignment.timestamp)
        .join(SubmittedAssignment, SubmittedAssignment.student_id == Student.id)
        .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
    )
    if key is not None:
        query = query.where(Student.id == key[0], Assignment.name == key[1])
    return {(learner, assignment): when for learner, assignment, when in gradebook.db.execute(query)}


def question_scores(
    gradebook: Gradebook, learner: str, assignment: str, submitted_at: datetime
) -> list[QuestionScore]:
    """Every question's score of the submission, or NotGraded when nbgrader's grading is not complete."""
    gradebook.db.rollback()  # a fresh look: the graders have written since
    try:
        submission = gradebook.find_submission(assignment, learner)
    except MissingEntry:
        raise NotGraded("sổ điểm nbgrader không có bài nộp này") from None
    if submission.timestamp != submitted_at:
        raise NotGraded(
            f"sổ điểm nbgrader giữ lần nộp lúc {submission.timestamp}, không phải lần vừa chấm ({submitted_at})"
        )
    scores = []
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            # nbgrader's `score` is 0.0 for a question nobody graded: ask whether anybody did.
            if grade.auto_score is None and grade.manual_score is None:
                raise NotGraded(f"câu {grade.name} chưa có điểm trong sổ điểm nbgrader")
            scores.append(
                QuestionScore(
                    grade.name, float(grade.score), float(grade.max_score), bool(grade.needs_manual_grade)
                )
            )
    if not scores:
        raise NotGraded("sổ điểm nbgrader không có câu nào của bài nộp này")
    return scores


def record_attempt(
    gradebook: Gradebook,
    learner: str,
    assignment: str,
    submitted_at: datetime,
    scores: list[QuestionScore],
    file_dated: bool = False,
    notes: tuple[str, ...] = (),
) -> bool:
    """Store a graded attempt, its questions' scores and its notes in one transaction; False if already stored.

    `file_dated`: its time is the date of the file received, not the learner's (the report names it).
    """
    session = gradebook.db
    try:
        exists = session.execute(
            select(attempt_table.c.id).where(
                attempt_table.c.learner_id == learner,
                attempt_table.c.assignment == assignment,
                attempt_table.c.submitted_at == submitted_at,
            )
        ).first()
        if exists:
            session.rollback()
            return False
        attempt_id = session.execute(
            attempt_table.insert().values(
                learner_id=learner,
                assignment=assignment,
                submitted_at=submitted_at,
                graded_at=datetime.now(UTC).replace(tzinfo=None),
                score=sum(s.score for s in scores),
                max_score=sum(s.max_score for s in scores),
            )
        ).inserted_primary_key[0]
        session.execute(
            grade_table.insert(),
            [
                {
                    "attempt_id": attempt_id,
                    "question_id": s.question_id,
                    "score": s.score,
                    "max_score": s.max_score,
                }
                for s in scores
            ],
        )
        if file_dated:
            session.execute(file_dated_table.insert().values(attempt_id=attempt_id))
        if notes:
            session.execute(
                review_table.insert(),
                [
                    {"attempt_id": attempt_id, "number": n, "note": note[:1000]}
                    for n, note in enumerate(notes)
                ],
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return True
