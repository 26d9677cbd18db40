"""`canhgiac collect FILES...`: quizzes handed in by e-mail or messaging, as nbgrader submissions.

In offices without JupyterHub, learners send their quiz folder, their notebook
and answers.json, or the file a quiz page of the book downloads
(`<learner id>_<assignment>.json`), alone or in zip archives.  `collect`
reads every file given (files, folders, archives, archives in archives),
matches each to a learner of the roster and a released quiz (by the JSON's
fields, the question ids it holds, and the IDs in its file and folder names),
and stores each attempt as nbgrader's exchange would: `submitted/<learner>/
<assignment>/` with the notebook (the released one when only answers came),
answers.json and timestamp.txt (the time the book saved it, else the file's
time).  `nbgrader autograde` or `canhgiac grade` then grade it as any other.

No attempt is lost: one that arrives while submitted/ holds an attempt not
yet graded waits in `pending/`, and `canhgiac grade` grades a learner's
attempts in the order they were made, moving each graded one that a later
one replaces to `attempts/` (the layout is in canhgiac.course.attempts).
The same files sent again are not a new attempt.  A file that cannot be read,
matched or trusted (broken JSON, an unknown learner or quiz, a file name that
names another learner than its content, too large, an unsafe archive) is
reported with the reason and skipped; the others go on.
"""

from canhgiac.collect.run import (
    Collected,
    CollectResult,
    collect_files,
    collect_received,
    graded_times,
    released_quizzes,
)
from canhgiac.collect.settings import CollectSettings
from canhgiac.collect.sources import Received, Refused

__all__ = [
    "CollectResult",
    "CollectSettings",
    "Collected",
    "Received",
    "Refused",
    "collect_files",
    "collect_received",
    "graded_times",
    "released_quizzes",
]
