"""Reading every file of the bank and checking what no single file can check alone."""

from dataclasses import dataclass
from pathlib import Path

from canhgiac.bank.schema import BankFile, Question
from canhgiac.checkout import default_bank_dir
from canhgiac.course.rules import CourseRules
from canhgiac.coverage import load_coverage
from canhgiac.datafile import DataError, load_model


@dataclass(frozen=True)
class Bank:
    """All questions, in file order, each with the assignment of its file."""

    files: dict[Path, BankFile]

    @property
    def questions(self) -> list[Question]:
        return [q for f in self.files.values() for q in f.questions]

    def practice(self, chapter: str) -> list[Question]:
        """The practice (self-check) questions of a chapter, as the book shows them."""
        return [q for f in self.files.values() if f.assignment == chapter for q in f.questions if q.practice]

    def graded(self, assignment: str | None = None) -> list[Question]:
        """The graded questions, of one assignment or of all."""
        return [
            q
            for f in self.files.values()
            if assignment in (None, f.assignment)
            for q in f.questions
            if not q.practice
        ]

    def assignments(self, final: str | None = None) -> list[str]:
        """The assignments, chapter quizzes in file order, then the final test (CourseRules.final_assignment)."""
        final = CourseRules.default_final() if final is None else final
        names = [f.assignment for f in self.files.values()]
        return sorted(names, key=lambda name: name == final)


def load_bank(bank_dir: Path | None = None) -> Bank:
    """Load and validate every `*.yml` of the bank; raise DataError listing every problem found."""
    bank_dir = bank_dir or default_bank_dir()
    paths = sorted(bank_dir.glob("*.yml"))
    if not paths:
        raise DataError(f"{bank_dir}: không có tệp câu hỏi *.yml nào")
    problems: list[str] = []
    files: dict[Path, BankFile] = {}
    for path in paths:
        try:
            files[path] = load_model(path, BankFile)
        except DataError as exc:
            problems.append(str(exc))
    known_points = set(load_coverage().ids())
    first_seen: dict[str, Path] = {}
    for path, bank_file in files.items():
        if bank_file.assignment != path.stem:
            problems.append(f"{path}: assignment: '{bank_file.assignment}' khác tên tệp '{path.stem}'")
        for q in bank_file.questions:
            if q.id in first_seen:
                problems.append(f"{path}: questions › {q.id} › id: đã có trong {first_seen[q.id]}")
            first_seen.setdefault(q.id, path)
            for point in q.checks:
                if point not in known_points:
                    problems.append(
                        f"{path}: questions › {q.id} › checks: không có điểm '{point}' trong bản đồ"
                    )
    if problems:
        raise DataError("\n".join(problems))
    return Bank(files)
