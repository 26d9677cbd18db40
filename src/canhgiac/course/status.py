"""Where a learner stands in the course: completed, passed; shared by the report, the certificates and the hub."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from canhgiac.course.model import CourseData, Result
from canhgiac.course.rules import CourseRules


@dataclass(frozen=True)
class Status:
    """Where a learner stands in the course."""

    missing: tuple[str, ...]  # quizzes not handed in
    failed: tuple[str, ...]  # quizzes handed in that must reach the pass mark and did not
    completed: bool  # every quiz handed in
    passed: bool  # the final test (and, when required, every chapter quiz) reached the pass mark


def learner_status(results: Mapping[str, Result], quizzes: Sequence[str], rules: CourseRules) -> Status:
    """A learner's status from the counting attempt of each quiz handed in.

    Completed: every quiz of the course handed in.  Passed: the final test reaches
    the pass mark, and so does every chapter quiz when the rules require it.  A
    course with no final test cannot be passed.
    """
    final = rules.final_assignment
    missing = tuple(q for q in quizzes if q not in results)
    must_pass = [q for q in quizzes if q == final or rules.require_chapter_quizzes]
    failed = tuple(
        q for q in must_pass if q in results and not rules.passes(results[q].score, results[q].max_score)
    )
    passed = final in quizzes and not failed and not any(q in missing for q in must_pass)
    return Status(missing=missing, failed=failed, completed=not missing, passed=passed)


def statuses(data: CourseData, rules: CourseRules) -> dict[str, Status]:
    """Every learner's status, by id."""
    quizzes = data.quiz_names
    return {lr.id: learner_status(data.results.get(lr.id, {}), quizzes, rules) for lr in data.learners}
