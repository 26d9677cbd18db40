"""Each graded question of a quiz, as the learner's feedback page shows it.

nbgrader's feedback showed a grade cell by its ID ("Grade cell: final-q01"),
its code and its value ("Out[2]: 0.0").  A learner needs instead the question,
what they chose, the points and what canhgiac.quiz.grading.grade printed (the
reason, and for a missed question its explanation).  This preprocessor puts
them in each grade cell's metadata, under "canhgiac", for the course's feedback
template (canhgiac/assign/templates/canhgiac-feedback), and empties the cell's
source and outputs so that nothing else of the cell can reach the page.

Where each part comes from, none of which holds the key:

- the question's number, text, scenario and options: the quiz's public data
  (canhgiac.question.PublicQuestion), read as a literal from the quiz
  cell's source as the gradebook recorded it when the assignment was
  generated, so that a learner who changed or deleted the quiz cell changes
  nothing here;
- the learner's choice: the answers.json beside the notebook being converted
  (the autograded folder's copy of the submission's);
- the printed feedback: the cell's standard output.  An error or anything on
  standard error is replaced by a sentence for the learner: a traceback would
  show the grading call's line, with the key.

Runs after nbgrader's GetGrades (the points) and ClearHiddenTests.
"""

from pathlib import Path

from nbconvert.exporters.exporter import ResourcesDict
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from canhgiac.question import PublicQuestion
from canhgiac.quiz.answers import LoadedAnswers, load_answers
from canhgiac.quiz.order import option_order
from canhgiac.quiz.spec import QUIZ_CELL, quiz_spec, spec_questions


class QuestionFeedback(NbGraderPreprocessor):
    """Put each grade cell's question, the learner's choice and the printed feedback in its metadata."""

    not_graded = Unicode(
        "Không chấm được câu này; cán bộ phụ trách sẽ kiểm tra lại.",
        help="What the learner reads for a question whose grading cell failed.",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        info = resources["nbgrader"]
        self.student_id = info["student"]
        spec = self._spec(info["db_url"], info["notebook"], info["assignment"])
        self.questions = {q.id: (number, q) for number, q in enumerate(self._questions(spec), 1)}
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        self.loaded = load_answers(folder)
        self.position = 0
        resources["canhgiac"] = {"title": spec.get("title") or info["assignment"]}
        return super().preprocess(nb, resources)

    def _spec(self, db_url: str, notebook: str, assignment: str) -> dict:
        """The quiz's public data from the quiz cell the gradebook recorded; empty if there is none."""
        with Gradebook(db_url) as gb:
            try:
                source = gb.find_source_cell(QUIZ_CELL, notebook, assignment).source
            except MissingEntry:
                self.log.warning(
                    "No quiz cell '%s' in %s/%s: questions shown by number only",
                    QUIZ_CELL,
                    assignment,
                    notebook,
                )
                return {}
        try:
            return quiz_spec(source)
        except (SyntaxError, ValueError) as exc:
            self.log.warning("The quiz cell of %s/%s could not be read (%s)", assignment, notebook, exc)
            return {}

    def _questions(self, spec: dict) -> list[PublicQuestion]:
        try:
            return spec_questions(spec)
        except ValueError as exc:
            self.log.warning(
                "The quiz's questions could not be read (%s): questions shown by number only", exc
            )
            return []

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        if not utils.is_grade(cell):
            return cell, resources
        self.position += 1
        grade_id = cell.metadata.nbgrader["grade_id"]
        number, question = self.questions.get(grade_id, (self.position, None))
        choice, choice_note = self._choice(grade_id, question, self.loaded)
        cell.metadata["canhgiac"] = {
            "number": number,
            "question_id": grade_id,
            "kind": question.kind if question else "",
            "text": question.text if question else "",
            "scenario": (question.scenario if question else None) or "",
            "hint": question.hint if question else "",
            "choice": choice,
            "choice_note": choice_note,
            "feedback": self._printed(cell),
        }
        cell.source = ""
        cell.outputs = []
        return cell, resources

    def _choice(
        self, grade_id: str, question: PublicQuestion | None, loaded: LoadedAnswers
    ) -> tuple[list[str], str]:
        """The texts of the options the learner chose, in the order they saw them, or why there are none."""
        if loaded.file_problem or grade_id in loaded.question_problems:
            return [], "không đọc được (lý do ở lời nhận xét bên dưới)"
        chosen = loaded.answers.get(grade_id) or []
        if not chosen:
            return [], "chưa chọn"
        texts = {o.id: o.text for o in question.options} if question else {}
        if question is None or question.info.control != "order":
            # Saved in the bank's order: shown in the order this learner saw the options.
            chosen = option_order(self.student_id, grade_id, list(dict.fromkeys(chosen)))
        return [texts.get(c, f"(lựa chọn “{c}” không có trong câu hỏi)") for c in chosen], ""

    def _printed(self, cell: NotebookNode) -> list[str]:
        """The lines that grade() printed; a sentence for the learner instead of any error."""
        lines: list[str] = []
        failed = False
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.get("name") == "stdout":
                lines += [line.strip() for line in output.text.splitlines() if line.strip()]
            elif output.output_type == "error" or output.get("name") == "stderr":
                failed = True
        if failed or not lines:
            lines.append(self.not_graded)
        return lines
