"""The answer key of graded questions, in every form in which it could leak into what learners get.

One check for everything a learner receives: the released notebooks and the
feedback pages (test_quiz_grading.py), and every file of the built book
(test_content.py).
"""

import base64
import json


def key_forms(q, *, explanation: bool = True) -> list[str]:
    """The answer key as it could leak: the call, the JSON list, base64 of it, the explanation.

    The feedback of a missed question shows its explanation, by design: check
    those questions with explanation=False.
    """
    plain = json.dumps(q.answer, ensure_ascii=False)
    forms = [
        "BEGIN HIDDEN TESTS",
        f"key={plain}",
        base64.b64encode(plain.encode()).decode(),
    ]
    return forms + [q.explanation] if explanation else forms


def key_leaks(text: str, questions, *, explanation: bool = True) -> list[str]:
    """Each form of a question's key found in `text`, as "<question id>: <start of the form>"."""
    return [
        f"{q.id}: {form[:40]}"
        for q in questions
        for form in key_forms(q, explanation=explanation)
        if form in text
    ]
