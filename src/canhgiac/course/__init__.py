"""A trainer's course folder: nbgrader's folders and gradebook, our tables beside it, the rules.

Every trainer command takes `--course DIR` (else $CANHGIAC_COURSE; with neither it
stops and says so), so that the real course, which holds personal data, lives
outside the repository.
"""

from canhgiac.course.config import CourseConfigError
from canhgiac.course.folder import COURSE_ENV, Course, CourseNotFound, CourseNotGiven, resolve_course
from canhgiac.course.rules import CourseRules

__all__ = [
    "COURSE_ENV",
    "Course",
    "CourseNotGiven",
    "CourseConfigError",
    "CourseNotFound",
    "CourseRules",
    "resolve_course",
]
