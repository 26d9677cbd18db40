"""Where a course's parts are, and how to open its gradebook."""

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from nbgrader.api import Gradebook
from traitlets.config import Config, PyFileConfigLoader

from canhgiac.course.rules import CourseRules
from canhgiac.tools import put_tools_on_path

CONFIG_FILE = "nbgrader_config.py"
COURSE_ID = "canhgiac"


def default_course_dir() -> Path:
    """`quizzes/` of the checkout this package is installed from, else of the current folder."""
    checkout = Path(__file__).resolve().parents[3] / "quizzes"
    return checkout if checkout.is_dir() else Path("quizzes")


def resolve_course(arg: str | Path | None) -> "Course":
    """The course of a `--course` argument (None: the default course)."""
    return Course(Path(arg) if arg else default_course_dir())


@dataclass(frozen=True)
class Course:
    """An nbgrader course folder (source/, release/, submitted/, autograded/, feedback/, gradebook)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())

    @cached_property
    def config(self) -> Config:
        """The course's nbgrader configuration, read as nbgrader reads it (empty when there is none)."""
        path = self.root / CONFIG_FILE
        if not path.exists():
            return Config()
        return PyFileConfigLoader(CONFIG_FILE, path=str(self.root)).load_config()

    @property
    def db_url(self) -> str:
        """nbgrader's `CourseDirectory.db_url`: a PostgreSQL URL, or by default SQLite in the course folder.

        The default file name, gradebook.db, is git-ignored (*.db), and it is what
        nbgrader's own commands use when they run in the course folder.
        """
        url = self.config.get("CourseDirectory", {}).get("db_url")
        return url or f"sqlite:///{self.root / 'gradebook.db'}"

    @property
    def rules(self) -> CourseRules:
        return CourseRules(config=self.config)

    def gradebook(self) -> Gradebook:
        """nbgrader's gradebook of this course; close it (or use `with`) when done."""
        put_tools_on_path()  # a new gradebook runs `alembic` by name
        if self.db_url.startswith("sqlite:///"):
            # SQLite creates the file, not the folder: a new course starts with its roster.
            Path(self.db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return Gradebook(self.db_url, course_id=COURSE_ID)

    def folder(self, step: str) -> Path:
        """One of nbgrader's step folders: source, release, submitted, autograded, feedback."""
        return self.root / step

    def released_assignments(self) -> list[str]:
        """The assignments with a release notebook, final test last."""
        names = [p.name for p in self.folder("release").glob("*") if p.is_dir()]
        return sorted(names, key=lambda name: (name == self.rules.final_assignment, name))
