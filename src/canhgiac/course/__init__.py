"""A trainer's course folder: nbgrader's folders and gradebook, our tables beside it, the rules.

Every trainer command takes `--course DIR` (default: the checkout's `quizzes/`)
so that the real course, which holds personal data, lives outside the repository.
"""

from canhgiac.course.config import CourseConfigError
from canhgiac.course.folder import COURSE_TITLE, Course, CourseNotFound, resolve_course
from canhgiac.course.rules import CourseRules

__all__ = ["COURSE_TITLE", "Course", "CourseConfigError", "CourseNotFound", "CourseRules", "resolve_course"]
