"""The schema of the question bank: what a valid question is, kind by kind."""

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The kinds and what a learner is told for each are described once, with the question's public form.
from canhgiac.question import KIND_HINTS, KINDS, Kind  # noqa: F401 - KIND_HINTS re-exported
from canhgiac.text import nfc

# IDs are used in file names, nbgrader cell IDs and answers.json keys: keep them plain.
_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"
TRUE_FALSE_IDS = ("dung", "sai")
# A graded question's explanation is what a learner who missed it reads before a retake:
# opening with a verdict ("Đúng.", "Sai.") would tell the answer.  It explains, it does not rule.
VERDICT_START = re.compile(r"^\s*(đúng|sai|chưa đúng|không đúng)\s*[.,:;!–—-]", re.IGNORECASE)


class Option(BaseModel):
    """An answer option, identified by a stable ID so that shuffling never changes an answer."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_ID)
    text: str = Field(min_length=1)

    _nfc = field_validator("text")(nfc)


class Question(BaseModel):
    """One question of the bank, practice or graded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_ID)
    practice: bool = False
    kind: Kind
    text: str = Field(min_length=1)
    scenario: str | None = None
    options: list[Option] = Field(min_length=2)
    answer: list[str] = Field(min_length=1)
    explanation: str = Field(min_length=1)
    points: float = Field(default=1, gt=0)
    section: str = Field(min_length=1)
    checks: list[str] = Field(default_factory=list)

    _nfc = field_validator("text", "scenario", "explanation")(lambda v: nfc(v) if v else v)

    @model_validator(mode="after")
    def _answer_fits_kind(self) -> "Question":
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"options: ID lựa chọn bị lặp ({', '.join(ids)})")
        unknown = [a for a in self.answer if a not in ids]
        if unknown:
            raise ValueError(f"answer: {', '.join(unknown)} không có trong options")
        if len(set(self.answer)) != len(self.answer):
            raise ValueError("answer: một lựa chọn bị ghi hai lần")
        if KINDS[self.kind].one_answer and len(self.answer) != 1:
            raise ValueError(f"answer: câu loại {self.kind} có đúng một đáp án")
        if self.kind == "truefalse" and tuple(ids) != TRUE_FALSE_IDS:
            raise ValueError("options: câu đúng/sai có đúng hai lựa chọn, dung rồi sai")
        if self.kind == "order" and sorted(self.answer) != sorted(ids):
            raise ValueError("answer: câu sắp xếp phải liệt kê mọi lựa chọn theo thứ tự đúng")
        if (self.kind == "scenario") != bool(self.scenario):
            raise ValueError("scenario: chỉ câu loại scenario, và mọi câu loại đó, có tình huống")
        if not self.practice and VERDICT_START.match(self.explanation):
            raise ValueError(
                "explanation: lời giải thích của câu chấm điểm không mở đầu bằng “Đúng.”/“Sai.”, "
                "vì học viên làm lại bài sẽ biết ngay đáp án"
            )
        return self

    def is_correct(self, chosen: list[str]) -> bool:
        """Is `chosen` (option IDs, in order for ordering questions) exactly the answer?"""
        from canhgiac.quiz.scoring import score  # the one scoring rule

        return score(self.kind, self.answer, [o.id for o in self.options], self.points, chosen).full


class BankFile(BaseModel):
    """One file of the bank: the questions of one assignment (a chapter's quiz, or `final`).

    A chapter's file is named after its page (thu-doan.yml for book/thu-doan.md); its
    practice questions are the chapter's self-checks, its graded ones the chapter's quiz.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    assignment: str = Field(pattern=_ID)
    questions: list[Question] = Field(min_length=1)
