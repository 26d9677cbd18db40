"""The nbgrader settings of the course, applied by quizzes/nbgrader_config.py.

Kept here, in code with reasons, so that a trainer's own course folder
(`--course DIR`, outside the repository) gets exactly the same settings.
"""

from pathlib import Path

CONFIG_FILE_TEXT = """\
# nbgrader configuration of the Cảnh giác course; the settings and their reasons
# are in canhgiac.assign.config (the package installed with the course).
from canhgiac.assign.config import configure

configure(get_config(), __file__)  # noqa: F821 - nbgrader provides get_config
"""

# A learner's answers must never be replaced by a file of the source folder:
# autograde copies the source folder's files over the submission's, except
# these.  (They cannot go into CourseDirectory.ignore: the exchange uses that
# list too, and would then leave the answers out of the submission.)
NEVER_OVERWRITTEN = ["answers.json"]


def configure(c, config_file: str | Path) -> None:
    """Set the course's nbgrader configuration on the config object `c`."""
    course = Path(config_file).resolve().parent
    c.CourseDirectory.course_id = "canhgiac"
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".answers-*.json"]
    assignments = [p.name for p in (course / "source").glob("*") if p.is_dir()]
    c.Autograde.exclude_overwriting = {name: NEVER_OVERWRITTEN for name in assignments}
    # A learner who deletes a graded cell gets it back, scored from the answers,
    # and its source says it was missing; nothing is gained by deleting it.
    # nbgrader's own re-insertion fails on our notebooks: see OverwriteCellsInOrder.
    c.OverwriteCells.add_missing_cells = True
    c.Autograde.sanitize_preprocessors = [
        "nbgrader.preprocessors.ClearOutput",
        "nbgrader.preprocessors.DeduplicateIds",
        "nbgrader.preprocessors.OverwriteKernelspec",
        "canhgiac.preprocessors.OverwriteCellsInOrder",
        "nbgrader.preprocessors.CheckCellMetadata",
    ]
    # The feedback is made from the autograded notebook, where the hidden tests
    # (the answer key) are back in place: clear them before the HTML is written.
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "nbgrader.preprocessors.ClearHiddenTests",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
    # A quiz has no long computation: a stuck kernel fails one submission fast.
    c.Execute.timeout = 60
