"""The call that each hidden test cell of a quiz notebook makes when nbgrader grades it.

The generated test cell is, in the source notebook:

    from canhgiac.quiz.grading import grade
    ### BEGIN HIDDEN TESTS
    grade("thu-doan-q03", kind="single", key=["b"], options=["a", "b", "c"], points=1,
          explanation="...")
    ### END HIDDEN TESTS

nbgrader removes the hidden part from the released notebook, so the key is
only in the source notebook and in the grading run.  `grade` never raises: it
prints the feedback (in Vietnamese, without the key) and returns the score as
the cell's value, which nbgrader records as the question's (partial) credit.
Nothing goes to stderr, since nbgrader scores a cell with stderr output as 0.
"""

from pathlib import Path

from canhgiac.quiz.answers import load_answers
from canhgiac.quiz.scoring import Result, score


def grade_result(
    question_id: str,
    *,
    kind: str,
    key: list[str],
    options: list[str],
    points: float,
    folder: Path | str = ".",
) -> Result:
    """Score one question from the answers.json in `folder`."""
    loaded = load_answers(folder)
    if loaded.file_problem:
        return Result(0.0, loaded.file_problem)
    if question_id in loaded.question_problems:
        return Result(0.0, loaded.question_problems[question_id])
    return score(kind, key, options, points, loaded.answers.get(question_id))


def grade(
    question_id: str,
    *,
    kind: str,
    key: list[str],
    options: list[str],
    points: float,
    explanation: str = "",
    folder: Path | str = ".",
) -> float:
    """Print the learner's feedback for one question and return its score."""
    try:
        result = grade_result(question_id, kind=kind, key=key, options=options, points=points, folder=folder)
    except Exception as exc:  # a grading bug must cost the question, not the batch
        result = Result(0.0, f"Không chấm được câu này ({type(exc).__name__}); cán bộ phụ trách sẽ kiểm tra.")
    if result.full:
        print(f"Đúng: được {result.score:g}/{points:g} điểm.")
    else:
        print(f"Được 0/{points:g} điểm. {result.reason}")
        if explanation:
            print(f"Giải thích: {explanation}")
    return result.score
