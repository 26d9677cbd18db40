"""`canhgiac collect FILES...`: received files become attempts of the roster's learners, in nbgrader's layout."""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.api import Student
from sqlalchemy import select

from canhgiac.collect.contents import (
    AnswersFile,
    BookFile,
    CombinedFile,
    NotebookFile,
    Unreadable,
    read_json_file,
    read_notebook,
)
from canhgiac.collect.match import Ambiguous, assignment_of_questions, id_from_names, ids_in, lower_keys
from canhgiac.collect.settings import CollectSettings
from canhgiac.collect.sources import Received, Refused, gather
from canhgiac.course import Course
from canhgiac.course import attempts as store
from canhgiac.course.learners import id_key
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.course.tables import learner as learner_table
from canhgiac.datafile import DataError
from canhgiac.quiz.answers import ANSWERS_FILE, answers_text
from canhgiac.text import fold


@dataclass(frozen=True)
class Quiz:
    """A released assignment: its notebook's name and bytes, and its question ids."""

    name: str
    notebook_name: str
    notebook: bytes
    questions: frozenset[str]


@dataclass(frozen=True)
class Collected:
    origins: tuple[str, ...]
    learner: str
    full_name: str
    assignment: str
    submitted_at: datetime
    place: str  # attempts.SUBMITTED or attempts.PENDING; "" for a duplicate, not stored
    notes: tuple[str, ...] = ()
    folder: Path | None = None  # where it was stored
    file_dated: bool = False  # its time is the received file's date, not when the learner saved
    later: datetime | None = None  # a later attempt of the same learner and quiz, already received
    later_graded: datetime | None = None  # the latest of those already graded: this one came late


@dataclass
class CollectResult:
    collected: list[Collected] = field(default_factory=list)
    duplicates: list[Collected] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


@dataclass(frozen=True)
class _Piece:
    """A received file, read and matched."""

    item: Received
    learner: str
    assignment: str
    content: BookFile | AnswersFile | NotebookFile


def released_quizzes(course: Course) -> dict[str, Quiz]:
    """Each released assignment with its single notebook (the quiz)."""
    quizzes = {}
    for name in course.released_assignments():
        notebooks = sorted(course.release_folder(name).glob("*.ipynb"))
        if len(notebooks) != 1:
            continue
        raw = notebooks[0].read_bytes()
        quiz = read_notebook(raw)
        quizzes[name] = Quiz(name, notebooks[0].name, raw, quiz.grade_ids)
    return quizzes


def roster_names(course: Course) -> dict[str, str]:
    """Full name by learner id: the roster's, or nbgrader's students (a course run with the exchange only)."""
    with course.gradebook() as gradebook:
        names = {
            s.id: f"{s.last_name or ''} {s.first_name or ''}".strip()
            for s in gradebook.db.scalars(select(Student))
        }
        names.update({row.id: row.full_name for row in gradebook.db.execute(select(learner_table))})
    return names


class _Matcher:
    def __init__(self, learners: dict[str, str], quizzes: dict[str, Quiz]) -> None:
        self.learners = learners
        self.quizzes = quizzes
        self.learner_ids = lower_keys(learners)
        self.quiz_ids = lower_keys(quizzes)
        self.questions = {name: quiz.questions for name, quiz in quizzes.items()}

    def _from_names(self, item: Received, known, what: str) -> str | None:
        try:
            return id_from_names(item.names, known)
        except Ambiguous as exc:
            raise Unreadable(f"không rõ {what}: {exc}") from None

    def _own_name(self, item: Received, known) -> set[str]:
        return ids_in(item.names[-1], known)

    def match(self, item: Received, content) -> _Piece:
        if isinstance(content, BookFile):
            return self._match_book(item, content)
        question_ids = content.answers if isinstance(content, AnswersFile) else content.grade_ids
        by_content = assignment_of_questions(question_ids, self.questions)
        own = self._own_name(item, self.quiz_ids)
        if by_content and own and by_content not in own:
            raise Unreadable(f"tên tệp ghi bài {', '.join(sorted(own))} nhưng nội dung là bài {by_content}")
        assignment = by_content or self._from_names(item, self.quiz_ids, "bài nào")
        if assignment is None:
            raise Unreadable(
                "không tìm ra bài nào: tên tệp, thư mục và nội dung không ứng với bài đã phát nào "
                f"({', '.join(self.quizzes)})"
            )
        learner = self._from_names(item, self.learner_ids, "của học viên nào")
        if learner is None:
            raise Unreadable(
                "không tìm ra học viên: tên tệp và thư mục không chứa mã học viên nào trong danh sách "
                "(hãy đặt tên như LS-0001_final.zip hoặc để trong thư mục LS-0001)"
            )
        return _Piece(item, learner, assignment, content)

    def _match_book(self, item: Received, book: BookFile) -> _Piece:
        learner = self.learner_ids.get(id_key(book.learner))
        if learner is None:
            raise Unreadable(f"mã học viên '{book.learner}' trong tệp không có trong danh sách học viên")
        assignment = self.quiz_ids.get(book.assignment.lower())
        if assignment is None:
            raise Unreadable(
                f"bài '{book.assignment}' trong tệp không phải bài đã phát ({', '.join(self.quizzes)})"
            )
        named = self._own_name(item, self.learner_ids)
        if named and learner not in named:
            raise Unreadable(f"tên tệp ghi mã {', '.join(sorted(named))} nhưng trong tệp là {learner}")
        named_quiz = self._own_name(item, self.quiz_ids)
        if named_quiz and assignment not in named_quiz:
            raise Unreadable(
                f"tên tệp ghi bài {', '.join(sorted(named_quiz))} nhưng trong tệp là bài {assignment}"
            )
        by_content = assignment_of_questions(book.answers, self.questions)
        if by_content and by_content != assignment:
            raise Unreadable(f"tệp ghi bài {assignment} nhưng các câu trả lời là của bài {by_content}")
        return _Piece(item, learner, assignment, book)


def _parts(item: Received, combined: CombinedFile) -> list[tuple[Received, BookFile | Unreadable]]:
    """Each quiz of a combined file, as if it had come alone: "LS-0001_tat-ca.json › final"."""
    parts = []
    for number, book in enumerate(combined.quizzes, 1):
        label = book.assignment if isinstance(book, BookFile) else str(number)
        parts.append((replace(item, origin=f"{item.origin} › {label}"), book))
    return parts


def _read(item: Received):
    if item.suffix == ".ipynb":
        return read_notebook(item.data)
    return read_json_file(item.data)


@dataclass
class _Attempt:
    """An attempt assembled from the pieces that came together."""

    learner: str
    assignment: str
    files: dict[str, bytes]
    submitted_at: datetime
    origins: tuple[str, ...]
    notes: tuple[str, ...] = ()
    file_dated: bool = False  # no learner's time in it: ordered by the file's date


def _assemble(pieces: list[_Piece], quizzes: dict[str, Quiz], learners: dict[str, str]):
    """Attempts from matched pieces, and the pieces that cannot be part of one."""
    attempts: list[_Attempt] = []
    refused: list[Refused] = []
    groups: dict[tuple[str, str, str], list[_Piece]] = defaultdict(list)
    for piece in pieces:
        quiz = quizzes[piece.assignment]
        if isinstance(piece.content, BookFile):
            # A book page's download is a whole attempt: its answers, graded with the released notebook.
            book = piece.content
            notes = ()
            roster_name = learners.get(piece.learner, "")
            if book.name and roster_name and fold(book.name) != fold(roster_name):
                notes = (f"tên trong tệp '{book.name}' khác tên trong danh sách '{roster_name}'",)
            files = {
                quiz.notebook_name: quiz.notebook,
                ANSWERS_FILE: answers_text(book.answers, book.saved_at.replace(tzinfo=UTC)).encode("utf-8"),
            }
            attempts.append(
                _Attempt(piece.learner, piece.assignment, files, book.saved_at, (piece.item.origin,), notes)
            )
        else:
            groups[(piece.item.group, piece.learner, piece.assignment)].append(piece)
    for (_, learner, assignment), group in groups.items():
        quiz = quizzes[assignment]
        answers = [p for p in group if isinstance(p.content, AnswersFile)]
        notebooks = [p for p in group if isinstance(p.content, NotebookFile)]
        if len(notebooks) > 1 or len(answers) > 1:
            # Which notebook goes with which answers cannot be told: each answers file is graded
            # with the released notebook, and the notebooks are left out.
            refused += [
                Refused(
                    p.item.origin,
                    "nhiều sổ tay của cùng học viên và bài trong cùng một thư mục; chỉ dùng các tệp answers.json",
                )
                for p in notebooks
            ]
            for p in answers:
                files = {quiz.notebook_name: quiz.notebook, ANSWERS_FILE: p.content.raw}
                when = p.content.saved_at or p.item.modified
                attempts.append(
                    _Attempt(
                        learner, assignment, files, when, (p.item.origin,), file_dated=not p.content.saved_at
                    )
                )
            continue
        files = {quiz.notebook_name: notebooks[0].content.raw if notebooks else quiz.notebook}
        notes = ()
        if answers:
            files[ANSWERS_FILE] = answers[0].content.raw
        else:
            notes = (
                "chỉ có sổ tay, không có answers.json: bài sẽ được 0 điểm; hãy xin học viên gửi thêm answers.json",
            )
        # The learner's time of saving, from answers.json; else the date the file got on the way.
        saved_at = answers[0].content.saved_at if answers else None
        when = saved_at or (answers or notebooks)[0].item.modified
        origins = tuple(p.item.origin for p in answers + notebooks)
        attempts.append(
            _Attempt(learner, assignment, files, when, origins, notes, file_dated=saved_at is None)
        )
    return attempts, refused


def graded_times(course: Course, learner: str | None = None) -> set[tuple[str, str, datetime]]:
    """(learner, assignment, time) of every attempt `canhgiac grade` has graded (of one learner, if given)."""
    query = select(attempt_table.c.learner_id, attempt_table.c.assignment, attempt_table.c.submitted_at)
    if learner is not None:
        query = query.where(attempt_table.c.learner_id == learner)
    with course.gradebook() as gradebook:
        return {(lid, assignment, when) for lid, assignment, when in gradebook.db.execute(query)}


def collect_files(course: Course, paths: list[Path], limits: CollectSettings | None = None) -> CollectResult:
    """Store every attempt found in `paths`; what cannot be matched or read is refused with a reason."""
    limits = limits or course.settings(CollectSettings)
    received, refused = gather(paths, limits)
    return collect_received(course, received, refused)


def collect_received(
    course: Course,
    received: list[Received],
    refused: list[Refused] = (),
    *,
    quizzes: dict[str, Quiz] | None = None,
    learners: dict[str, str] | None = None,
    graded: set[tuple[str, str, datetime]] | None = None,
) -> CollectResult:
    """Store every attempt among files already read (from disk, or handed in online by the course service).

    `quizzes`, `learners` and `graded` are what the caller already knows
    (released_quizzes, roster_names, graded_times), read from the course when
    not given: the course service, which lands one learner's attempt at a time,
    keeps the released quizzes and gives the signed-in learner alone, instead of
    reading every notebook and every learner of the province for each submission.
    """
    quizzes = released_quizzes(course) if quizzes is None else quizzes
    if not quizzes:
        raise DataError(
            f"{course.root}: chưa có bài nào được phát (thư mục release/ trống). "
            "Hãy chạy `nbgrader generate_assignment` cho các bài trước."
        )
    learners = roster_names(course) if learners is None else learners
    if not learners:
        raise DataError(
            f"{course.root}: khóa học chưa có học viên. Hãy nhập danh sách trước: canhgiac roster import TỆP --course {course.root}"
        )
    store.remove_leftovers(course.root)
    graded = graded_times(course) if graded is None else graded

    result = CollectResult(refused=list(refused))
    matcher = _Matcher(learners, quizzes)
    pieces = []
    for item in received:
        try:
            content = _read(item)
        except Unreadable as exc:
            result.refused.append(Refused(item.origin, str(exc)))
            continue
        # A combined file is its quizzes' files, each matched (and refused) on its own.
        parts = _parts(item, content) if isinstance(content, CombinedFile) else [(item, content)]
        for part, read in parts:
            try:
                if isinstance(read, Unreadable):
                    raise read
                pieces.append(matcher.match(part, read))
            except Unreadable as exc:
                result.refused.append(Refused(part.origin, str(exc)))
    attempts, refused = _assemble(pieces, quizzes, learners)
    result.refused += refused

    # Oldest first: when several attempts of a learner arrive together, the first goes to
    # submitted/ and the others wait in pending/, in the order `canhgiac grade` grades them.
    for attempt in sorted(attempts, key=lambda a: (a.learner, a.assignment, a.submitted_at)):
        existing = store.find_attempts(course.root, attempt.learner, attempt.assignment)
        digest = store.content_digest(attempt.files)
        entry = Collected(
            attempt.origins,
            attempt.learner,
            learners.get(attempt.learner, ""),
            attempt.assignment,
            attempt.submitted_at,
            "",
            attempt.notes,
            file_dated=attempt.file_dated,
        )
        if store.is_duplicate(existing, digest, attempt.submitted_at):
            result.duplicates.append(entry)
            continue
        moment = store.free_time(existing, attempt.submitted_at)
        files = dict(attempt.files)
        if attempt.file_dated:
            files[store.FILE_DATED] = store.FILE_DATED_TEXT.encode("utf-8")
        stored = store.write_attempt(course.root, attempt.learner, attempt.assignment, files, moment)
        result.collected.append(replace(entry, submitted_at=moment, place=stored.place, folder=stored.folder))
    # Once all are stored: the latest attempt after each one, whether it came now or before.
    for i, entry in enumerate(result.collected):
        times = [a.submitted_at for a in store.find_attempts(course.root, entry.learner, entry.assignment)]
        later = [t for t in times if t > entry.submitted_at]
        result.collected[i] = replace(
            entry,
            later=max(later) if later else None,
            later_graded=max(
                (t for t in later if (entry.learner, entry.assignment, t) in graded), default=None
            ),
        )
    return result
