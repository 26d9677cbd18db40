"""The course core: what every command (and the hosted course) shares, below them all.

- folder: a trainer's course folder, nbgrader's folders and gradebook, our tables beside it (tables);
- rules: who completes and who passes (CourseRules), set in nbgrader_config.py;
- attempts: a learner's attempts as folders (submitted/, pending/, attempts/) and their AttemptKey;
- learners: a learner and the learner-ID rule;
- read, model, status: the course's results read from the gradebook, and where each learner stands.

Every trainer command takes `--course DIR` (else $CANHGIAC_COURSE; with neither it
stops and says so), so that the real course, which holds personal data, lives
outside the repository.
"""

from canhgiac.course.config import CourseConfigError
from canhgiac.course.folder import (
    COURSE_ENV,
    COURSE_TITLE,
    Course,
    CourseNotFound,
    CourseNotGiven,
    resolve_course,
)
from canhgiac.course.rules import CourseRules

__all__ = [
    "COURSE_ENV",
    "COURSE_TITLE",
    "Course",
    "CourseConfigError",
    "CourseNotFound",
    "CourseNotGiven",
    "CourseRules",
    "resolve_course",
]
