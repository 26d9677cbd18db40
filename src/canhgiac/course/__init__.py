"""The course core: what every command (and the hosted course) shares, below them all.

- folder: a trainer's course folder, nbgrader's folders and gradebook, our tables beside it (tables);
- rules: who completes and who passes (CourseRules), set in nbgrader_config.py;
- attempts: a learner's attempts as folders (submitted/, pending/, attempts/) and their AttemptKey;
- learners: a learner and the learner-ID rule;
- read, model, status: the course's results read from the gradebook, and where each learner stands.

Every trainer command takes `--course DIR` (default: the checkout's `quizzes/`)
so that the real course, which holds personal data, lives outside the repository.
"""

from canhgiac.course.config import CourseConfigError
from canhgiac.course.folder import COURSE_TITLE, Course, CourseNotFound, resolve_course
from canhgiac.course.rules import CourseRules

__all__ = ["COURSE_TITLE", "Course", "CourseConfigError", "CourseNotFound", "CourseRules", "resolve_course"]
