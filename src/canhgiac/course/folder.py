"""Where a course's parts are, and how to open its gradebook."""

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from nbgrader.api import Gradebook
from traitlets.config import Config, Configurable

from canhgiac.checkout import default_course_dir
from canhgiac.course.config import CourseConfigError, configured, load_config
from canhgiac.course.rules import CourseRules
from canhgiac.course.tables import create_tables
from canhgiac.datafile import DataError
from canhgiac.tools import put_tools_on_path

C = TypeVar("C", bound=Configurable)

CONFIG_FILE = "nbgrader_config.py"
COURSE_ID = "canhgiac"
# The book's title (_config.yml), which the report and the certificates name.
COURSE_TITLE = "Cảnh giác trước thủ đoạn cắt ghép hình ảnh để tống tiền"


def resolve_course(arg: str | Path | None) -> "Course":
    """The course of a `--course` argument (None: the default course); `~` is the user's home."""
    return Course(Path(arg).expanduser() if arg else default_course_dir())


class CourseNotFound(DataError):
    """A command that reads a course was given a folder that is not there (a mistyped --course)."""


@dataclass(frozen=True)
class Course:
    """An nbgrader course folder (source/, release/, submitted/, autograded/, feedback/, gradebook)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).expanduser().resolve())

    def require_exists(self) -> "Course":
        """This course, or CourseNotFound when its folder is not there.

        For every command that reads a course (report, certificates, collect,
        grade): a mistyped --course must not give an empty report.  Only
        `assign` and `roster import` start a course, and create its folder.
        """
        if not self.root.is_dir():
            what = "không phải là thư mục" if self.root.exists() else "không có"
            raise CourseNotFound(
                f"{self.root}: thư mục khóa học {what}. Kiểm tra đường dẫn sau --course. "
                "Một khóa học mới được tạo bằng canhgiac assign --course THƯ_MỤC."
            )
        return self

    @cached_property
    def config(self) -> Config:
        """The course's nbgrader configuration, read as nbgrader reads it (empty when there is none).

        A mistake in the file is a CourseConfigError (a DataError) naming the file and the line.
        """
        path = self.root / CONFIG_FILE
        if not path.is_file():
            return Config()
        return load_config(path)

    def settings(self, cls: type[C]) -> C:
        """One of the course's settings classes (CourseRules, ReportSettings...) configured from its file.

        An unknown setting of that class, or a value it does not allow, is a
        CourseConfigError naming the file, the setting and what is allowed.
        """
        return configured(cls, self.config, self.root / CONFIG_FILE)

    @property
    def db_url(self) -> str:
        """nbgrader's `CourseDirectory.db_url`: a PostgreSQL URL, or by default SQLite in the course folder.

        The default file name, gradebook.db, is git-ignored (*.db), and it is what
        nbgrader's own commands use when they run in the course folder.
        """
        section = self.config["CourseDirectory"] if "CourseDirectory" in self.config else {}
        url = section.get("db_url")
        if url is not None and not isinstance(url, str):
            raise CourseConfigError(
                f"{self.root / CONFIG_FILE}: c.CourseDirectory.db_url = {url!r}: db_url phải là một chuỗi chữ "
                'giữa hai dấu ngoặc kép, ví dụ "postgresql://canbo@127.0.0.1:5432/canhgiac_2026".'
            )
        return url or f"sqlite:///{self.root / 'gradebook.db'}"

    @cached_property
    def rules(self) -> CourseRules:
        """Who completes and who passes (CourseRules), as the course's nbgrader_config.py sets them."""
        return self.settings(CourseRules)

    def gradebook(self) -> Gradebook:
        """nbgrader's gradebook of this course, with our tables beside it; close it (or use `with`) when done."""
        put_tools_on_path()  # a new gradebook runs `alembic` by name
        if self.db_url.startswith("sqlite:///"):
            # SQLite creates the file, not the folder: a new course starts with its roster.
            Path(self.db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        gradebook = Gradebook(self.db_url, course_id=COURSE_ID)
        create_tables(gradebook.engine)
        return gradebook

    def folder(self, step: str) -> Path:
        """One of nbgrader's step folders: source, release, submitted, autograded, feedback."""
        return self.root / step

    def release_folder(self, assignment: str) -> Path:
        """Where nbgrader's release of an assignment is (what the learners were given)."""
        return self.folder("release") / assignment

    def released_assignments(self) -> list[str]:
        """The assignments with a release notebook, final test last."""
        names = [p.name for p in self.folder("release").glob("*") if p.is_dir()]
        return sorted(names, key=lambda name: (name == self.rules.final_assignment, name))
