"""The answer key of graded questions, in every form in which it could leak into what learners get.

One check for everything a learner receives: the released notebooks
(test_quiz_grading.py) and every file of the built book (test_content.py).
"""

import base64
import json


def key_forms(q) -> list[str]:
    """The answer key as it could leak: the call, the JSON list, base64 of it, the explanation."""
    plain = json.dumps(q.answer, ensure_ascii=False)
    return [
        "BEGIN HIDDEN TESTS",
        f"key={plain}",
        base64.b64encode(plain.encode()).decode(),
        q.explanation,
    ]


def key_leaks(text: str, questions) -> list[str]:
    """Each form of a question's key found in `text`, as "<question id>: <start of the form>"."""
    return [f"{q.id}: {form[:40]}" for q in questions for form in key_forms(q) if form in text]
