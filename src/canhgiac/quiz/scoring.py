"""Scoring one question: pure functions, no files, no kernel.

The rule is all or nothing, for every kind: a question earns its points when
the chosen options are exactly the right ones (in the right order for
ordering questions), and 0 otherwise.  It is simple to explain to a learner
and to check by hand, which matters more here than finer partial credit.
"""

from dataclasses import dataclass

from canhgiac.question import KINDS


@dataclass(frozen=True)
class Result:
    """A question's score and, when it is not full, why (in Vietnamese)."""

    score: float
    reason: str | None = None

    @property
    def full(self) -> bool:
        return self.reason is None


def score(kind: str, key: list[str], options: list[str], points: float, chosen: list[str] | None) -> Result:
    """Score `chosen` option IDs against the `key`, knowing the question's option IDs."""
    if not chosen:
        return Result(0.0, "Chưa trả lời câu này.")
    unknown = [c for c in chosen if c not in options]
    if unknown:
        return Result(0.0, "Câu trả lời có lựa chọn không thuộc câu hỏi này (" + ", ".join(unknown) + ").")
    if len(set(chosen)) != len(chosen):
        return Result(0.0, "Một lựa chọn được ghi nhiều lần.")
    info = KINDS.get(kind)
    if info is not None and info.one_answer and len(chosen) != 1:
        return Result(0.0, "Câu này chỉ được chọn một đáp án.")
    if info is not None and info.control == "order":
        if len(chosen) != len(options):
            return Result(0.0, "Chưa xếp đủ tất cả các bước.")
        right = chosen == key
    else:
        right = set(chosen) == set(key)
    return Result(float(points)) if right else Result(0.0, "Chưa đúng.")
