"""The report's rules as pure functions: how good a question is (who passes is canhgiac.course.status).

The question statistics follow Moodle's "Quiz statistics calculations"
(https://docs.moodle.org/dev/Quiz_statistics_calculations), with a question's
lowest possible score 0:

- facility index F = 100 · mean(x) / max(x): the mean score on the question as
  a share of its maximum;
- discrimination index D = 100 · r(x, X), where X = T − x is the score on the
  rest of the quiz (the total T without this question, so that the question
  is not correlated with itself) and r is Pearson's correlation,
  r = C(x, X) / √(V(x) · V(X)).

Both are computed from sums over the counting attempts (see QuestionSums), so
a report over any number of learners needs one pass over the database.
"""

import math
from collections.abc import Sequence

from canhgiac.course.model import QuestionSums
from canhgiac.report.settings import ReportSettings

# Below this, a variance is a rounding error: everyone scored the same.
EPSILON = 1e-9

TOO_EASY = "quá dễ"
TOO_HARD = "quá khó"
MISLEADING = "có thể gây hiểu nhầm"


def percent(part: float, whole: float, digits: int = 1) -> float | None:
    """100 · part / whole, rounded; None when there is nothing to divide by."""
    return round(100.0 * part / whole, digits) if whole else None


def facility(s: QuestionSums) -> float | None:
    """Moodle's facility index (%): the mean score on the question over its maximum."""
    if s.n == 0 or s.max_score <= 0:
        return None
    return 100.0 * s.x / (s.n * s.max_score)


def full_marks(s: QuestionSums) -> float | None:
    """The share (%) of attempts with full marks on the question."""
    return 100.0 * s.full / s.n if s.n else None


def discrimination(s: QuestionSums) -> float | None:
    """Moodle's discrimination index (%): 100 · Pearson's r between the question and the rest of the quiz.

    From the sums: with y = t − x, Σy = Σt − Σx, Σy² = Σt² − 2Σxt + Σx², Σxy = Σxt − Σx²,
    and r = (nΣxy − ΣxΣy) / √((nΣx² − (Σx)²)(nΣy² − (Σy)²)).  None when either
    varies not at all (everyone scored the same), as Moodle leaves it empty.
    """
    n = s.n
    if n < 2:
        return None
    sy = s.t - s.x
    syy = s.tt - 2 * s.xt + s.xx
    sxy = s.xt - s.xx
    var_x = n * s.xx - s.x * s.x
    var_y = n * syy - sy * sy
    scale = max(1.0, n * n * s.max_score * s.max_score)
    if var_x <= EPSILON * scale or var_y <= EPSILON * max(1.0, n * n):
        return None
    r = (n * sxy - s.x * sy) / math.sqrt(var_x * var_y)
    return 100.0 * max(-1.0, min(1.0, r))


def question_flags(
    facility_index: float | None,
    discrimination_index: float | None,
    attempts: int,
    settings: ReportSettings,
) -> tuple[str, ...]:
    """What to look at in a question, in Vietnamese; nothing before settings.min_attempts attempts."""
    if attempts < settings.min_attempts or facility_index is None:
        return ()
    flags = []
    if facility_index > settings.easy_above:
        flags.append(TOO_EASY)
    if facility_index < settings.hard_below:
        flags.append(TOO_HARD)
    if discrimination_index is not None and discrimination_index < settings.discrimination_below:
        flags.append(MISLEADING)
    return tuple(flags)


def histogram(percentages: Sequence[float], bins: int = 10) -> list[int]:
    """How many percentages fall in each of `bins` equal bins of 0-100%; 100% goes in the last one."""
    counts = [0] * bins
    for value in percentages:
        index = min(bins - 1, max(0, int(math.floor(value * bins / 100.0 + EPSILON))))
        counts[index] += 1
    return counts
