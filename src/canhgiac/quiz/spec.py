"""The quiz's public data as its notebook carries it: a literal in the quiz cell, read back without a kernel.

`canhgiac assign` writes it (QUIZ = {"assignment", "title", "questions"}, each
question as PublicQuestion.data()); the widget runs it in the learner's
kernel; the feedback (canhgiac.preprocessors.QuestionFeedback) reads it back
from the source here, never running it.
"""

import ast

from canhgiac.question import PublicQuestion

QUIZ_CELL = "bai-lam"
# The name that the quiz cell gives to the quiz's public data.
QUIZ_NAME = "QUIZ"


def quiz_spec(source: str) -> dict:
    """The quiz's public data (title, questions as PublicQuestion.data()) read back from the quiz cell's source.

    Read as a literal, never run: the feedback shows each question's text and options from it.
    """
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == QUIZ_NAME
        ):
            spec = ast.literal_eval(node.value)
            if isinstance(spec, dict) and isinstance(spec.get("questions"), list):
                return spec
    raise ValueError(f"ô bài làm không có dữ liệu {QUIZ_NAME} của bài kiểm tra")


def spec_questions(spec: dict) -> list[PublicQuestion]:
    """The typed questions of a quiz's data; a question that cannot be read is a ValueError."""
    return [PublicQuestion.from_data(q) for q in spec.get("questions", [])]
