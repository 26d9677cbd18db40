"""Reading a course's results (report, certificates, the hub): a few SQL aggregates, never a loop over learners.

nbgrader's Gradebook API computes a submission's score with a subquery per
object, so asking it learner by learner costs one round of queries per
learner and quiz (benchmarks/report.py measures it).  Here every figure comes
from three queries whose cost grows with the number of grades, in SQLAlchemy
Core over nbgrader's own tables (and ours, canhgiac_learner and
canhgiac_attempt*), so the same code runs on SQLite and PostgreSQL.

Which attempt counts (CourseRules.attempt):
- latest: nbgrader's submitted_assignment, which holds the latest graded
  submission of each learner and quiz;
- best: the highest score among that submission and every attempt that
  `canhgiac grade` kept in canhgiac_attempt (later attempt first on a tie).

The report only reads: it opens no nbgrader Gradebook (which would create the
tables) and never creates a SQLite file that is not there.
"""

import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from nbgrader.api import Base
from sqlalchemy import Float, String, and_, case, cast, create_engine, func, inspect, literal, null, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.sql import Select

from canhgiac.course import Course
from canhgiac.course.model import (
    NO_AGENCY,
    NO_COMMUNE,
    NOT_IN_ROSTER,
    CourseData,
    Learner,
    Question,
    QuestionSums,
    Quiz,
    Result,
    TimeNote,
    sort_key,
)
from canhgiac.course.rules import FINAL_TITLE
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.course.tables import attempt_file_dated as file_dated_table
from canhgiac.course.tables import attempt_grade as attempt_grade_table
from canhgiac.course.tables import attempt_review as review_table
from canhgiac.course.tables import learner as learner_table
from canhgiac.text import nfc

# nbgrader's tables, as its own models define them.
_nb = Base.metadata.tables
assignment = _nb["assignment"]
notebook = _nb["notebook"]
base_cell = _nb["base_cell"]
grade_cells = _nb["grade_cells"]
task_cells = _nb["task_cells"]
student = _nb["student"]
submitted_assignment = _nb["submitted_assignment"]
submitted_notebook = _nb["submitted_notebook"]
grade = _nb["grade"]

# A full mark, allowing for the rounding of a float sum.
FULL_MARK_TOLERANCE = 1e-9


def grade_score():
    """nbgrader's Grade.score: the manual score if any, else the automatic one, plus extra credit."""
    extra = func.coalesce(grade.c.extra_credit, 0.0)
    return case(
        (grade.c.manual_score.is_not(None), grade.c.manual_score + extra),
        (grade.c.auto_score.is_not(None), grade.c.auto_score + extra),
        else_=0.0,
    )


def cell_max_score():
    """A graded cell's maximum score (nbgrader's Grade.max_score): a grade cell's or a task cell's."""
    return func.coalesce(grade_cells.c.max_score, task_cells.c.max_score, 0.0)


def _graded_cells():
    """base_cell with its grade_cells/task_cells row (a cell is one or the other)."""
    return base_cell.outerjoin(grade_cells, grade_cells.c.id == base_cell.c.id).outerjoin(
        task_cells, task_cells.c.id == base_cell.c.id
    )


def _nbgrader_attempts(learner: str | None = None) -> Select:
    """One row per submission in nbgrader's gradebook (the latest of each learner and quiz), with its total.

    `learner`: that learner's only (read by the database from its indexes, not the whole gradebook).
    """
    totals = select(
        submitted_notebook.c.assignment_id.label("key"), func.sum(grade_score()).label("score")
    ).select_from(submitted_notebook.join(grade, grade.c.notebook_id == submitted_notebook.c.id))
    if learner is not None:
        totals = totals.where(
            submitted_notebook.c.assignment_id.in_(
                select(submitted_assignment.c.id).where(submitted_assignment.c.student_id == learner)
            )
        )
    totals = totals.group_by(submitted_notebook.c.assignment_id).subquery()
    query = select(
        literal("nb", String).label("src"),
        submitted_assignment.c.id.label("key"),
        submitted_assignment.c.student_id.label("learner_id"),
        assignment.c.name.label("quiz"),
        submitted_assignment.c.timestamp.label("submitted_at"),
        cast(func.coalesce(totals.c.score, 0.0), Float).label("score"),
        cast(null(), Float).label("max_score"),  # the quiz's, from its cells
    ).select_from(
        submitted_assignment.join(
            assignment, assignment.c.id == submitted_assignment.c.assignment_id
        ).outerjoin(totals, totals.c.key == submitted_assignment.c.id)
    )
    return query if learner is None else query.where(submitted_assignment.c.student_id == learner)


def _nbgrader_grades() -> Select:
    """One row per grade in nbgrader's gradebook: its submission, its cell (by id) and its score."""
    return select(
        literal("nb", String).label("src"),
        submitted_notebook.c.assignment_id.label("key"),
        # `|| ''` hides nbgrader's (cell_id, notebook_id) index from SQLite's planner, which would
        # otherwise walk it to group by cell and read the grades in random order: 6 times slower.
        grade.c.cell_id.concat("").label("question"),
        cast(null(), Float).label("max_score"),  # the cell's, from the quiz's cells
        cast(grade_score(), Float).label("x"),
    ).select_from(grade.join(submitted_notebook, submitted_notebook.c.id == grade.c.notebook_id))


def _kept_attempts(learner: str | None = None) -> Select:
    """Every attempt that `canhgiac grade` kept (canhgiac_attempt); `learner`: theirs only."""
    a = attempt_table
    query = select(
        literal("cg", String).label("src"),
        cast(a.c.id, String).label("key"),
        a.c.learner_id,
        a.c.assignment.label("quiz"),
        a.c.submitted_at,
        cast(a.c.score, Float).label("score"),
        cast(a.c.max_score, Float).label("max_score"),
    )
    return query if learner is None else query.where(a.c.learner_id == learner)


def _kept_grades() -> Select:
    """The per-question scores of those attempts (by question id, with their maximum)."""
    g = attempt_grade_table
    return select(
        literal("cg", String).label("src"),
        cast(g.c.attempt_id, String).label("key"),
        g.c.question_id.label("question"),
        cast(g.c.max_score, Float).label("max_score"),
        cast(g.c.score, Float).label("x"),
    )


COUNTING_COLUMNS = ("src", "key", "learner_id", "quiz", "score", "max_score")


def counting_attempts(best: bool, with_kept: bool, learner: str | None = None):
    """(attempts, grades) subqueries: the attempt that counts for each learner and quiz, and all grades.

    `learner`: the attempts of that learner only.
    """
    attempts, grades = _nbgrader_attempts(learner), _nbgrader_grades()
    if not (best and with_kept):
        return attempts.subquery("counting"), grades.subquery("grades")
    every = attempts.union_all(_kept_attempts(learner)).subquery("every")
    ranked = select(
        every,
        func.row_number()
        .over(
            partition_by=[every.c.learner_id, every.c.quiz],
            order_by=[every.c.score.desc(), every.c.submitted_at.desc().nulls_last(), every.c.src.desc()],
        )
        .label("rank"),
    ).subquery("ranked")
    counting = (
        select(*[ranked.c[name] for name in COUNTING_COLUMNS]).where(ranked.c.rank == 1).subquery("counting")
    )
    return counting, grades.union_all(_kept_grades()).subquery("grades")


def _question_sums_query(counting, grades, with_roster: bool = True) -> Select:
    """Per quiz, question, agency, commune and score: how many attempts, Σt and Σt² of their totals.

    Grouping by the score too (a question has few distinct scores: 0 and full
    marks, here) leaves out of the big join every table but the learners':
    Σx, Σx², Σxt and the full marks follow from these rows in Python.
    """
    t = counting.c.score
    joined = grades.join(counting, and_(grades.c.src == counting.c.src, grades.c.key == counting.c.key))
    if with_roster:
        agency, commune = learner_table.c.agency, learner_table.c.commune
        joined = joined.outerjoin(learner_table, learner_table.c.id == counting.c.learner_id)
    else:  # no roster imported yet: nobody is in it
        agency, commune = cast(null(), String).label("agency"), cast(null(), String).label("commune")
    keys = (counting.c.quiz, grades.c.src, grades.c.question, grades.c.max_score, agency, commune, grades.c.x)
    return select(*keys, func.count(), func.sum(t), func.sum(t * t)).select_from(joined).group_by(*keys)


def _quizzes(conn: Connection, released: list[str], final: str, bank_points: dict[str, dict[str, float]]):
    """The quizzes of the course (in the gradebook or released), with their graded cells, final last."""
    rows = conn.execute(
        select(assignment.c.name, base_cell.c.id, base_cell.c.name, cell_max_score())
        .select_from(
            assignment.join(notebook, notebook.c.assignment_id == assignment.c.id).join(
                _graded_cells(), base_cell.c.notebook_id == notebook.c.id
            )
        )
        .where((grade_cells.c.id.is_not(None)) | (task_cells.c.id.is_not(None)))
    ).all()
    cells: dict[str, dict[str, float]] = defaultdict(dict)
    by_id: dict[str, tuple[str, float]] = {}
    for quiz, cell_id, question, max_score in rows:
        cells[quiz][question] = float(max_score or 0.0)
        by_id[cell_id] = (question, float(max_score or 0.0))
    names = set(conn.execute(select(assignment.c.name)).scalars()) | set(released)
    quizzes = []
    for name in sorted(names, key=lambda n: (n == final, n)):
        questions = cells.get(name) or bank_points.get(name, {})
        quizzes.append(
            Quiz(
                name=name,
                max_score=float(sum(questions.values())),
                questions=tuple(Question(q, m) for q, m in sorted(questions.items())),
            )
        )
    return quizzes, by_id


def _place(agency: str | None, commune: str | None, in_roster: bool) -> tuple[str, str]:
    if not in_roster:
        return NOT_IN_ROSTER, commune or NO_COMMUNE
    return agency or NO_AGENCY, commune or NO_COMMUNE


def _bank(course: Course) -> tuple[dict[str, str], dict[str, dict[str, float]]]:
    """Question texts and points from the course's bank (its bank/ folder, else the checkout's).

    Read with libyaml and without the bank's validation, which takes a second
    on its own: the report only shows the texts (`canhgiac bank check` and
    `canhgiac assign` validate the bank).  A bank that cannot be read leaves
    the texts empty: the question ids are enough for the figures.
    """
    import yaml

    from canhgiac.bank import default_bank_dir

    folder = course.root / "bank"
    folder = folder if folder.is_dir() else default_bank_dir()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    texts: dict[str, str] = {}
    points: dict[str, dict[str, float]] = {}
    for path in sorted(folder.glob("*.yml")):
        try:
            content = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
            for q in content.get("questions", []):
                texts[q["id"]] = nfc(str(q["text"]))
                if not q.get("practice"):
                    points.setdefault(content["assignment"], {})[q["id"]] = float(q.get("points", 1))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError, KeyError, TypeError, ValueError):
            continue
    return texts, points


def quiz_title(course: Course, name: str, final: str) -> str:
    """A quiz's title as its learners see it: the heading of its notebook ("# Bài kiểm tra: Giới thiệu").

    Read from the course's release notebook (else its source notebook), where
    `canhgiac assign` wrote it, so the report needs nothing from the checkout.
    """
    for step in ("release", "source"):
        for path in sorted(course.folder(step).joinpath(name).glob("*.ipynb")):
            try:
                cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
                first = next(c for c in cells if c.get("cell_type") == "markdown")
                source = first["source"] if isinstance(first["source"], str) else "".join(first["source"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError, StopIteration):
                continue
            heading = next((line[2:].strip() for line in source.splitlines() if line.startswith("# ")), "")
            if heading:
                return nfc(heading)
    return FINAL_TITLE if name == final else f"Bài kiểm tra: {name}"


def _titled(course: Course, quizzes: list[Quiz], final: str) -> list[Quiz]:
    """The quizzes with their titles; two quizzes of the same title are told apart by their ids."""
    titles = {q.name: quiz_title(course, q.name, final) for q in quizzes}
    repeated = {t for t in titles.values() if list(titles.values()).count(t) > 1}
    return [
        replace(q, title=f"{titles[q.name]} ({q.name})" if titles[q.name] in repeated else titles[q.name])
        for q in quizzes
    ]


def _has_database(db_url: str) -> bool:
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        return True
    return bool(url.database) and url.database != ":memory:" and Path(url.database).is_file()


def _reviews(conn: Connection) -> tuple:
    """Every graded attempt flagged "cần xem lại", with its notes, newest first."""
    a, r = attempt_table.c, review_table.c
    rows = conn.execute(
        select(a.learner_id, a.assignment, a.submitted_at, r.note)
        .join(review_table, r.attempt_id == a.id)
        .order_by(a.submitted_at.desc(), a.learner_id, a.assignment, r.number)
    )
    grouped: dict[tuple, list[str]] = {}
    for learner_id, quiz, when, note in rows:
        grouped.setdefault((learner_id, quiz, when), []).append(note)
    return tuple(
        (learner_id, quiz, when, tuple(notes)) for (learner_id, quiz, when), notes in grouped.items()
    )


def read_course(course: Course) -> CourseData:
    """Everything the report and the certificates need, read from the course's gradebook."""
    rules = course.rules
    texts, bank_points = _bank(course)
    released = course.released_assignments() if course.folder("release").is_dir() else []
    if not _has_database(course.db_url):
        quizzes = _titled(
            course,
            [Quiz(n, float(sum(bank_points.get(n, {}).values()))) for n in released],
            rules.final_assignment,
        )
        return CourseData(
            quizzes=tuple(quizzes), final=rules.final_assignment, has_gradebook=False, question_texts=texts
        )
    engine = create_engine(course.db_url, future=True)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if "student" not in tables:
                return CourseData(final=rules.final_assignment, has_gradebook=False, question_texts=texts)
            data = _read(conn, tables, released, rules, texts, bank_points)
            if review_table.name in tables:
                data = replace(data, reviews=_reviews(conn))
    finally:
        engine.dispose()
    return replace(data, quizzes=tuple(_titled(course, list(data.quizzes), rules.final_assignment)))


def time_notes(conn: Connection, tables: set[str], best: bool) -> tuple[TimeNote, ...]:
    """The graded attempts whose time is only a file's date, or that were graded after a later one.

    One query over canhgiac_attempt (the graded attempts, each with when it was graded).
    """
    if attempt_table.name not in tables:
        return ()
    a = attempt_table
    dated: set[int] = set()
    if file_dated_table.name in tables:
        dated = set(conn.execute(select(file_dated_table.c.attempt_id)).scalars())
    by_key: dict[tuple[str, str], list] = defaultdict(list)
    for row in conn.execute(
        select(a.c.id, a.c.learner_id, a.c.assignment, a.c.submitted_at, a.c.graded_at, a.c.score)
    ):
        by_key[(row.learner_id, row.assignment)].append(row)
    notes = []
    for (learner_id, quiz), rows in sorted(by_key.items()):
        counting = max(
            rows, key=(lambda r: (r.score, r.submitted_at)) if best else (lambda r: r.submitted_at)
        )
        for row in sorted(rows, key=lambda r: r.submitted_at):
            later = [
                r.submitted_at
                for r in rows
                if r.submitted_at > row.submitted_at and r.graded_at < row.graded_at
            ]
            if row.id in dated or later:
                notes.append(
                    TimeNote(
                        learner_id,
                        quiz,
                        row.submitted_at,
                        row.id in dated,
                        max(later) if later else None,
                        row.id == counting.id,
                        counting.submitted_at,
                    )
                )
    return tuple(notes)


def _read(conn, tables, released, rules, texts, bank_points) -> CourseData:
    final = rules.final_assignment
    quizzes, cells = _quizzes(conn, released, final, bank_points)
    quiz_max = {q.name: q.max_score for q in quizzes}

    roster = {}
    if learner_table.name in tables:
        for row in conn.execute(select(learner_table)).mappings():
            agency, commune = _place(row["agency"], row["commune"], True)
            roster[row["id"]] = Learner(row["id"], row["full_name"], agency, commune, row["email"] or "")
    learners = dict(roster)
    for sid, first, last, email in conn.execute(
        select(student.c.id, student.c.first_name, student.c.last_name, student.c.email)
    ):
        if sid not in learners:
            name = " ".join(part for part in (last, first) if part) or sid
            agency, commune = _place(None, None, False)
            learners[sid] = Learner(sid, name, agency, commune, email or "", in_roster=False)

    with_kept = attempt_table.name in tables and attempt_grade_table.name in tables
    counting, grades = counting_attempts(rules.attempt == "best", with_kept)

    results: dict[str, dict[str, Result]] = defaultdict(dict)
    for learner_id, quiz, score, max_score in conn.execute(
        select(counting.c.learner_id, counting.c.quiz, counting.c.score, counting.c.max_score)
    ):
        max_score = quiz_max.get(quiz) if max_score is None else max_score
        results[learner_id][quiz] = Result(float(score or 0.0), float(max_score or 0.0))
        if learner_id not in learners:  # an attempt kept for someone no longer in the gradebook
            agency, commune = _place(None, None, False)
            learners[learner_id] = Learner(learner_id, learner_id, agency, commune, in_roster=False)

    sums: dict[tuple[str, str, str, str], QuestionSums] = {}
    for quiz, src, question, max_score, agency, commune, x, n, st, stt in conn.execute(
        _question_sums_query(counting, grades, learner_table.name in tables)
    ):
        if src == "nb":  # nbgrader's grades name their cell by id
            question, max_score = cells.get(question, (question, 0.0))
        x, max_score = float(x or 0.0), float(max_score or 0.0)
        agency, commune = _place(agency, commune, agency is not None)
        part = QuestionSums(
            quiz=quiz,
            question=question,
            max_score=max_score,
            n=int(n),
            full=int(n) if x >= max_score - FULL_MARK_TOLERANCE else 0,
            x=x * n,
            xx=x * x * n,
            t=float(st or 0.0),
            tt=float(stt or 0.0),
            xt=x * float(st or 0.0),
            agency=agency,
            commune=commune,
        )
        key = (quiz, question, agency, commune)
        sums[key] = sums[key] + part if key in sums else part
    ordered = sorted(
        learners.values(),
        key=lambda lr: (sort_key(lr.agency), sort_key(lr.commune), sort_key(lr.full_name), lr.id),
    )
    return CourseData(
        learners=tuple(ordered),
        quizzes=tuple(quizzes),
        results={k: dict(v) for k, v in results.items()},
        question_sums=tuple(sums[k] for k in sorted(sums)),
        final=final,
        has_gradebook=True,
        question_texts=texts,
        time_notes=time_notes(conn, tables, rules.attempt == "best"),
    )


def read_learner(course: Course, learner_id: str) -> CourseData:
    """One learner's part of `read_course`: their roster row and the counting attempt of each quiz.

    What the hosted graders need to issue that learner's certificate once their
    final test is graded: a few queries filtered by the learner, whatever the
    size of the course (no per-question sums, notes or reviews).
    """
    rules = course.rules
    final = rules.final_assignment
    released = course.released_assignments() if course.folder("release").is_dir() else []
    if not _has_database(course.db_url):
        return CourseData(final=final, has_gradebook=False)
    engine = create_engine(course.db_url, future=True)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if "student" not in tables:
                return CourseData(final=final, has_gradebook=False)
            quizzes, _ = _quizzes(conn, released, final, _bank(course)[1])
            quiz_max = {q.name: q.max_score for q in quizzes}
            learner = None
            if learner_table.name in tables:
                row = (
                    conn.execute(select(learner_table).where(learner_table.c.id == learner_id))
                    .mappings()
                    .first()
                )
                if row is not None:
                    agency, commune = _place(row["agency"], row["commune"], True)
                    learner = Learner(row["id"], row["full_name"], agency, commune, row["email"] or "")
            if learner is None:
                found = conn.execute(
                    select(student.c.first_name, student.c.last_name, student.c.email).where(
                        student.c.id == learner_id
                    )
                ).first()
                if found is None:
                    return CourseData(quizzes=tuple(quizzes), final=final)
                first, last, email = found
                name = " ".join(part for part in (last, first) if part) or learner_id
                agency, commune = _place(None, None, False)
                learner = Learner(learner_id, name, agency, commune, email or "", in_roster=False)
            with_kept = attempt_table.name in tables and attempt_grade_table.name in tables
            counting, _ = counting_attempts(rules.attempt == "best", with_kept, learner_id)
            results = {}
            for quiz, score, max_score in conn.execute(
                select(counting.c.quiz, counting.c.score, counting.c.max_score).where(
                    counting.c.learner_id == learner_id
                )
            ):
                max_score = quiz_max.get(quiz) if max_score is None else max_score
                results[quiz] = Result(float(score or 0.0), float(max_score or 0.0))
    finally:
        engine.dispose()
    return CourseData(learners=(learner,), quizzes=tuple(quizzes), results={learner_id: results}, final=final)
