"""A course's results as the report and the certificates see them, read once from the gradebook: plain data.

The per-question figures are kept as sums (count, Σx, Σx², Σt, Σt², Σxt) for
each question and each (agency, commune): sums add up, so the report for the
whole course and the dashboard's view of one agency or one commune are both
computed from the same few thousand rows, whatever the number of learners.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from canhgiac.course.learners import Learner as RosterLearner
from canhgiac.course.rules import CourseRules

# Where learners go who are in nbgrader's gradebook but not in the imported roster.
NOT_IN_ROSTER = "(không có trong danh sách)"
# The agency and the commune of a learner whose roster row left them empty.
NO_AGENCY = "(chưa ghi cơ quan)"
NO_COMMUNE = "(chưa ghi xã)"


@dataclass(frozen=True)
class Learner(RosterLearner):
    """A learner of the roster, or one nbgrader knows who is not on it (in_roster False)."""

    in_roster: bool = True


@dataclass(frozen=True)
class Question:
    id: str
    max_score: float


@dataclass(frozen=True)
class Quiz:
    name: str  # nbgrader's assignment id: intro, final
    max_score: float
    questions: tuple[Question, ...] = ()
    title: str = ""  # as the learners see it: "Bài kiểm tra: Giới thiệu"


@dataclass(frozen=True)
class Result:
    """The attempt of a quiz that counts for a learner (the latest or the best, by the course's rules)."""

    score: float
    max_score: float


@dataclass(frozen=True)
class QuestionSums:
    """Sufficient statistics of one question over the counting attempts of a group of learners.

    x is the question's score in an attempt, t the attempt's total on the quiz.
    """

    quiz: str
    question: str
    max_score: float
    n: int = 0  # graded attempts that hold this question
    full: int = 0  # of which with full marks
    x: float = 0.0
    xx: float = 0.0
    t: float = 0.0
    tt: float = 0.0
    xt: float = 0.0
    agency: str = ""
    commune: str = ""

    def __add__(self, other: "QuestionSums") -> "QuestionSums":
        return replace(
            self,
            n=self.n + other.n,
            full=self.full + other.full,
            x=self.x + other.x,
            xx=self.xx + other.xx,
            t=self.t + other.t,
            tt=self.tt + other.tt,
            xt=self.xt + other.xt,
            agency=self.agency if self.agency == other.agency else "",
            commune=self.commune if self.commune == other.commune else "",
        )


def merge_sums(groups: Iterable[QuestionSums]) -> list[QuestionSums]:
    """One QuestionSums per (quiz, question), adding up the groups, in first-seen order."""
    merged: dict[tuple[str, str], QuestionSums] = {}
    for group in groups:
        key = (group.quiz, group.question)
        merged[key] = merged[key] + group if key in merged else group
    return list(merged.values())


@dataclass(frozen=True)
class CourseData:
    """The course as the report sees it."""

    learners: tuple[Learner, ...] = ()
    quizzes: tuple[Quiz, ...] = ()  # chapter quizzes, then the final test
    # learner id -> quiz name -> the counting attempt; a quiz not submitted has no entry.
    results: Mapping[str, Mapping[str, Result]] = field(default_factory=dict)
    # One row per (quiz, question, agency, commune).
    question_sums: tuple[QuestionSums, ...] = ()
    final: str = field(default_factory=CourseRules.default_final)  # CourseRules.final_assignment
    # False when the course has no gradebook yet (nothing graded, no roster imported).
    has_gradebook: bool = True
    # Question id -> its text in the bank, for the per-question analysis.
    question_texts: Mapping[str, str] = field(default_factory=dict)

    @property
    def quiz_names(self) -> list[str]:
        return [q.name for q in self.quizzes]

    def title(self, quiz: str) -> str:
        """A quiz's title, as the report shows it (its id when it has none)."""
        return next((q.title for q in self.quizzes if q.name == quiz and q.title), quiz)

    def agencies(self) -> list[str]:
        return sorted({learner.agency for learner in self.learners}, key=sort_key)

    def communes(self, agency: str | None = None) -> list[str]:
        return sorted(
            {lr.commune for lr in self.learners if agency in (None, lr.agency)},
            key=sort_key,
        )

    def filtered(self, agency: str | None = None, commune: str | None = None) -> "CourseData":
        """The same course seen from one agency and/or one commune (None: all)."""

        def keep(a: str, c: str) -> bool:
            return agency in (None, a) and commune in (None, c)

        learners = tuple(lr for lr in self.learners if keep(lr.agency, lr.commune))
        ids = {lr.id for lr in learners}
        return replace(
            self,
            learners=learners,
            results={k: v for k, v in self.results.items() if k in ids},
            question_sums=tuple(s for s in self.question_sums if keep(s.agency, s.commune)),
        )


def sort_key(text: str) -> tuple[bool, str, str]:
    """Vietnamese text in dictionary order without a locale: by its letters first, then its marks.

    Groups in parentheses, such as NOT_IN_ROSTER, come last.
    """
    from canhgiac.text import fold

    return (text.startswith("("), fold(text), text)
