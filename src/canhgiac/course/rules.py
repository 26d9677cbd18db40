"""The course's rules for passing, set in the course's nbgrader_config.py like nbgrader's own settings.

c.CourseRules.pass_mark = 0.8
c.CourseRules.require_chapter_quizzes = False
c.CourseRules.attempt = "latest"
"""

from traitlets import Bool, Enum, Float, Unicode
from traitlets.config import Configurable

# The final test's title where its notebook gives none (a chapter's quiz is named after its chapter).
FINAL_TITLE = "Bài kiểm tra cuối khóa"


class CourseRules(Configurable):
    """Who has completed and who has passed the course."""

    final_assignment = Unicode(
        "final",
        help="The final test: a learner passes the course when its score reaches the pass mark.",
    ).tag(config=True)

    pass_mark = Float(
        0.8,
        min=0.0,
        max=1.0,
        help="The share of a quiz's points needed to pass it (0.8 = 80%).",
    ).tag(config=True)

    require_chapter_quizzes = Bool(
        False,
        help=(
            "Whether every chapter quiz must also reach the pass mark. By default only the final "
            "test must: the chapter quizzes are for learning, and only need to be handed in."
        ),
    ).tag(config=True)

    attempt = Enum(
        ["latest", "best"],
        default_value="latest",
        help=(
            "Which attempt counts when a learner hands in a quiz more than once: the latest one "
            "(what nbgrader's gradebook holds) or the best one (every graded attempt is kept)."
        ),
    ).tag(config=True)

    @classmethod
    def default_final(cls) -> str:
        """The final test's name when no course is at hand (the bank, the book): the setting's default."""
        return cls.class_traits()["final_assignment"].default_value

    def passes(self, score: float, max_score: float) -> bool:
        """Does a score reach the pass mark? A quiz worth nothing cannot be passed."""
        # A tolerance: 12/15 is exactly 80%, and must not fail on a rounding error.
        return max_score > 0 and score >= self.pass_mark * max_score - 1e-9
