"""The report's thresholds, set in the course's nbgrader_config.py like nbgrader's own settings.

c.ReportSettings.course_title = "Cảnh giác trước thủ đoạn cắt ghép hình ảnh để tống tiền"
c.ReportSettings.easy_above = 90
c.ReportSettings.hard_below = 30
c.ReportSettings.discrimination_below = 10
c.ReportSettings.min_attempts = 10
"""

from traitlets import Float, Integer, Unicode
from traitlets.config import Configurable

from canhgiac.course import COURSE_TITLE


class ReportSettings(Configurable):
    """What the report says about the course, and when a question is flagged (all figures in %)."""

    course_title = Unicode(COURSE_TITLE, help="The course's title, at the top of the report.").tag(
        config=True
    )

    easy_above = Float(
        90.0,
        min=0.0,
        max=100.0,
        help=(
            "A question whose facility index (mean score / maximum, %) is above this is flagged too easy: "
            "almost everyone gets it right, so it tells the trainer little. Moodle calls 90-95% 'very easy'."
        ),
    ).tag(config=True)

    hard_below = Float(
        30.0,
        min=0.0,
        max=100.0,
        help=(
            "A question whose facility index (%) is below this is flagged too hard: most learners miss it, "
            "so the lesson or the wording may need another look."
        ),
    ).tag(config=True)

    discrimination_below = Float(
        10.0,
        min=-100.0,
        max=100.0,
        help=(
            "A question whose discrimination index (%, the correlation between its score and the rest of "
            "the quiz's score) is below this is flagged as possibly misleading: learners who do well on the "
            "rest of the quiz miss it about as often as the others, or more often (below 0), which points to "
            "ambiguous wording or a wrong key. Moodle calls 0-19% 'very weak' and below 0 'probably invalid'."
        ),
    ).tag(config=True)

    min_attempts = Integer(
        10,
        min=1,
        help=(
            "No question is flagged before this many graded attempts of its quiz: on a handful of "
            "attempts the indices are noise."
        ),
    ).tag(config=True)
