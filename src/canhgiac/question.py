"""A question as a learner may see it, made from the bank in one place; the kinds, described once.

The public form holds no key and no explanation.  It is what the quiz
notebook carries (as a literal in its quiz cell, see canhgiac.quiz.spec),
what the book's quiz pages show, and what the feedback names.  Each of them
renders it with its own small function: sphinxext.graded (HTML),
quiz.widgets (ipywidgets), preprocessors.questionfeedback (the feedback's
metadata); the book's self-checks (sphinxext.practice) show the bank's own
question, with its explanation, since practice has nothing to hide.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # only for the type: the bank stands on this module, not the other way round
    from canhgiac.bank.schema import Question

Kind = Literal["single", "multiple", "truefalse", "order", "scenario"]


@dataclass(frozen=True)
class KindInfo:
    hint: str  # what the learner is told to do: the same in the book, the notebook and the feedback
    control: Literal["radio", "checkbox", "order"]  # how an answer is given
    one_answer: bool  # the key is one option (else every option that is right, or all in order)


KINDS: dict[str, KindInfo] = {
    "single": KindInfo("Chọn một đáp án.", "radio", True),
    "scenario": KindInfo("Chọn cách xử lý đúng nhất.", "radio", True),
    "truefalse": KindInfo("Chọn Đúng hoặc Sai.", "radio", True),
    "multiple": KindInfo("Chọn tất cả các đáp án đúng.", "checkbox", False),
    "order": KindInfo("Chọn thứ tự cho từng bước (1 là bước đầu tiên).", "order", False),
}
# The hints alone, by kind (as the tests and the older modules name them).
KIND_HINTS = {kind: info.hint for kind, info in KINDS.items()}


@dataclass(frozen=True)
class PublicOption:
    id: str
    text: str


@dataclass(frozen=True)
class PublicQuestion:
    """What a learner may know of a question: never the answer or the explanation."""

    id: str
    kind: str
    text: str
    options: tuple[PublicOption, ...]
    scenario: str | None = None
    points: float = 1.0

    @property
    def info(self) -> KindInfo:
        return KINDS[self.kind]

    @property
    def hint(self) -> str:
        return KIND_HINTS.get(self.kind, "")

    @classmethod
    def from_bank(cls, q: "Question") -> "PublicQuestion":
        """The one place where a bank question becomes public: the fields copied are all it shows."""
        return cls(
            id=q.id,
            kind=q.kind,
            text=q.text,
            scenario=q.scenario,
            points=q.points,
            options=tuple(PublicOption(o.id, o.text) for o in q.options),
        )

    @classmethod
    def from_data(cls, data: dict) -> "PublicQuestion":
        """Read back from its data (a quiz cell's literal); a field missing or of the wrong type is a ValueError."""
        try:
            options = tuple(PublicOption(str(o["id"]), str(o["text"])) for o in data["options"])
            question = cls(
                id=str(data["id"]),
                kind=str(data["kind"]),
                text=str(data["text"]),
                scenario=str(data["scenario"]) if data.get("scenario") else None,
                points=float(data.get("points", 1)),
                options=options,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"câu hỏi không đọc được ({exc.__class__.__name__}: {exc})") from None
        if question.kind not in KINDS:
            raise ValueError(f"câu {question.id}: không có loại câu hỏi '{question.kind}'")
        return question

    def data(self) -> dict:
        """As plain data (the quiz cell's literal, the page's JSON): id, kind, text, scenario, points, options."""
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "scenario": self.scenario,
            "points": self.points,
            "options": [{"id": o.id, "text": o.text} for o in self.options],
        }


def public_question(q: "Question") -> dict:
    """A bank question's public data (PublicQuestion.from_bank(q).data())."""
    return PublicQuestion.from_bank(q).data()
