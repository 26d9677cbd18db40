"""Which attempt of a learner's quiz to grade next, and putting it where nbgrader grades it.

An attempt is graded once its scores are in canhgiac_attempt (learner,
assignment, time): that row is written after nbgrader's autograde has
finished, in one transaction, so an attempt whose grading was killed is
simply not graded yet, and is graded again.  A learner's attempts are graded
oldest first, so that nbgrader's gradebook, which keeps one submission per
quiz, ends with the latest, as after a submission through the exchange.
"""

import os
from collections.abc import Iterable, Set
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from canhgiac.course.attempts import (
    ARCHIVED,
    PENDING,
    SUBMITTED,
    TIMESTAMP_FILE,
    Attempt,
    AttemptKey,
    find_attempts,
    format_timestamp,
    free_time,
    learners_and_assignments,
    move,
    read_timestamp,
)

Key = tuple[str, str]  # (learner, assignment)


def to_grade(
    found: list[Attempt],
    graded: Set[AttemptKey],
    in_gradebook: datetime | None,
    skip: Set[AttemptKey] = frozenset(),
) -> list[Attempt]:
    """The attempts to grade, in order: those not graded yet, oldest first; then the latest again
    if nbgrader's gradebook would otherwise not end with it.

    `found`: every attempt of one learner at one quiz; `graded`: the (learner, assignment, time)
    of graded attempts; `in_gradebook`: the time of the submission nbgrader's gradebook holds;
    `skip`: attempts whose grading failed in this run (graded again in the next run).
    """
    if not found:
        return []

    waiting = sorted(
        (a for a in found if a.key not in graded and a.key not in skip), key=lambda a: a.submitted_at
    )
    latest = max(found, key=lambda a: a.submitted_at)
    if latest.key in skip:
        return waiting
    if waiting:
        return waiting if waiting[-1] is latest else [*waiting, latest]
    if latest.place == SUBMITTED and in_gradebook == latest.submitted_at:
        return []
    return [latest]


def bring_to_submitted(root: Path, target: Attempt, graded: Set[AttemptKey]) -> Attempt:
    """Put `target` in submitted/, moving the attempt there to attempts/ (graded) or pending/ (not yet)."""
    if target.place == SUBMITTED:
        return target
    current = next(
        (a for a in find_attempts(root, target.learner, target.assignment) if a.place == SUBMITTED), None
    )
    if current is not None:
        done = current.key in graded
        move(root, current, ARCHIVED if done else PENDING)
    return move(root, target, SUBMITTED)


def pin_untimed(root: Path, check, keys: Iterable[Key] | None = None) -> list[Attempt]:
    """Give each attempt without timestamp.txt (put in submitted/ by hand) the time of its folder, in the file.

    nbgrader allows such a submission and grades it; its time is then the
    folder's modification time, written into timestamp.txt once, so that it
    does not change when the folder does, and moved on by microseconds if
    another attempt of the learner has that very time (two attempts are never
    taken for one).  `check(attempt)` raises for a folder that must not be
    written to (a link out of the course); such an attempt is left as it is.
    `keys`: only these learners' quizzes (the hosted graders' claims), else the whole course.
    """
    pinned = []
    for learner, assignment in sorted(learners_and_assignments(root) if keys is None else keys):
        attempts = find_attempts(root, learner, assignment)
        for attempt in attempts:
            if read_timestamp(attempt.folder) is not None or (attempt.folder / TIMESTAMP_FILE).exists():
                continue
            try:
                check(attempt)
            except ValueError:
                continue
            others = [a for a in attempts if a is not attempt]
            moment = free_time(others, attempt.submitted_at)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            try:
                fd = os.open(attempt.folder / TIMESTAMP_FILE, flags, 0o644)
            except OSError:
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(format_timestamp(moment))
            pinned.append(replace(attempt, submitted_at=moment))
            attempts = [replace(attempt, submitted_at=moment) if a is attempt else a for a in attempts]
    return pinned
