"""Generated gradebooks with known scores, for the report's tests and benchmark (and a trainer's demo).

`generate_gradebook` fills nbgrader's tables (and ours) directly with bulk
inserts, as `nbgrader autograde` and `canhgiac roster import` would have left
them, so that a gradebook of 20,000 learners takes seconds to make.  It
returns what it stored, so a test can compute every figure of the report on
its own.

Scores are all or nothing per question, as in the course.  Each learner has an
ability and each question a difficulty; the last question of every quiz is
made misleading on purpose (the abler a learner, the likelier a wrong answer),
so that the per-question analysis has something to find.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import nbgrader
from nbgrader.api import Base
from sqlalchemy import create_engine, text

from canhgiac.course.folder import COURSE_ID
from canhgiac.course.tables import attempt as attempt_table
from canhgiac.course.tables import attempt_grade as attempt_grade_table
from canhgiac.course.tables import create_tables
from canhgiac.course.tables import learner as learner_table

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Hữu", "Ngọc", "Quốc"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Hà",
    "Hương",
    "Lan",
    "Long",
    "Nam",
    "Phương",
    "Quân",
    "Sơn",
    "Thảo",
    "Tuấn",
    "Yến",
    "Đạt",
    "Hải",
    "Khánh",
    "Linh",
    "Ngân",
    "Trường",
    "Ánh",
    "Ơn",
    "Ưng",
]
AGENCIES = [
    "Văn phòng HĐND và UBND",
    "Phòng Nội vụ",
    "Phòng Tư pháp",
    "Trung tâm Y tế",
    "Trường THCS Đình Lập",
    "Phòng Tài chính – Kế hoạch",
    "Công an xã",
    "Ban Chỉ huy Quân sự",
]
COMMUNES = [
    "Xã Đình Lập",
    "Xã Bắc Xa",
    "Xã Bính Xá",
    "Xã Kiên Mộc",
    "Xã Châu Sơn",
    "Xã Thái Bình",
    "Xã Cường Lợi",
    "Xã Lâm Ca",
]

CHUNK = 20_000  # rows per INSERT batch
START = datetime(2026, 3, 2, 8, 0, 0)


def _names(base: list[str], n: int) -> list[str]:
    return [base[i] if i < len(base) else f"{base[i % len(base)]} {i // len(base) + 1}" for i in range(n)]


@dataclass
class Synthetic:
    """What was stored: enough to compute every figure of a report independently."""

    # learner id -> (full name, agency, commune, email); only the roster's learners.
    roster: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)
    # nbgrader students who are not in the roster: id -> (first name, last name).
    unrostered: dict[str, tuple[str, str]] = field(default_factory=dict)
    # quiz -> question -> max score (quizzes in order, the final test last).
    quizzes: dict[str, dict[str, float]] = field(default_factory=dict)
    # learner -> quiz -> question -> score, of the submission in nbgrader's gradebook (the latest).
    latest: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    # learner -> quiz -> earlier attempts (question -> score), kept in canhgiac_attempt only.
    earlier: dict[str, dict[str, list[dict[str, float]]]] = field(default_factory=dict)

    def learner_ids(self) -> list[str]:
        return list(self.roster) + list(self.unrostered)


def _uid() -> str:
    return uuid.uuid4().hex


def create_schema(conn) -> None:
    """nbgrader's tables, as `Gradebook()` creates them, and ours.

    Gradebook() asks a new `alembic` process for the schema's revision, which
    takes seconds; the same revision is read here from nbgrader's migration
    scripts without a process.
    """
    from alembic.script import ScriptDirectory

    Base.metadata.create_all(conn)
    create_tables(conn)
    head = ScriptDirectory(str(Path(nbgrader.__file__).parent / "alembic")).get_current_head()
    conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
    conn.execute(Base.metadata.tables["course"].insert(), [{"id": COURSE_ID}])


def _insert(conn, table, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[i : i + CHUNK])


def generate_gradebook(
    db_url: str,
    learners: int,
    quizzes: int = 5,
    questions: int = 10,
    *,
    seed: int = 0,
    agencies: int = 6,
    communes: int = 4,
    p_submit: float = 0.9,
    unrostered: int = 0,
    earlier_attempts: float = 0.0,
    manual_scores: bool = False,
    final: str = "final",
) -> Synthetic:
    """Fill an empty gradebook at `db_url`; the last quiz is `final`, worth 2 points a question.

    p_submit: the chance that a learner handed in a quiz.  unrostered: learners
    in nbgrader's gradebook but not in the roster.  earlier_attempts: the chance
    that a submission had an earlier attempt, kept in canhgiac_attempt.
    manual_scores: some grades get a manual score and extra credit, which
    nbgrader counts instead of the automatic score.
    """
    rng = random.Random(seed)
    result = Synthetic()
    agency_names, commune_names = _names(AGENCIES, agencies), _names(COMMUNES, communes)
    quiz_names = [f"chuong-{i + 1}" for i in range(quizzes - 1)] + [final]
    for quiz in quiz_names:
        points = 2.0 if quiz == final else 1.0
        result.quizzes[quiz] = {f"{quiz}-q{j + 1:02d}": points for j in range(questions)}
    difficulty = {q: rng.uniform(-1.5, 1.5) for quiz in result.quizzes.values() for q in quiz}

    ids = [f"hv-{i + 1:05d}" for i in range(learners + unrostered)]
    for i, learner_id in enumerate(ids):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        if i < learners:
            # Each agency works in one commune, and a commune has several agencies, as in a province.
            agency = agency_names[i % len(agency_names)]
            commune = commune_names[(i % len(agency_names)) % len(commune_names)]
            result.roster[learner_id] = (name, agency, commune, f"{learner_id}@example.gov.vn")
        else:
            family, _, given = name.partition(" ")
            result.unrostered[learner_id] = (given, family)

    def attempt(ability: float, quiz: str) -> dict[str, float]:
        scores = {}
        names = list(result.quizzes[quiz])
        for q in names:
            chance = 1 / (1 + 2.718281828 ** (-(3 * ability - difficulty[q])))
            if q == names[-1]:
                chance = 1 - chance  # misleading on purpose
            scores[q] = result.quizzes[quiz][q] if rng.random() < chance else 0.0
        return scores

    for learner_id in ids:
        ability = rng.gauss(0.5, 0.6)
        for quiz in quiz_names:
            if rng.random() >= p_submit:
                continue
            result.latest.setdefault(learner_id, {})[quiz] = attempt(ability, quiz)
            if rng.random() < earlier_attempts:
                tries = [attempt(ability + rng.uniform(-0.5, 0.5), quiz) for _ in range(rng.randint(1, 2))]
                result.earlier.setdefault(learner_id, {})[quiz] = tries

    engine = create_engine(db_url, future=True)
    tables = Base.metadata.tables
    with engine.begin() as conn:
        create_schema(conn)
        quiz_ids, notebook_ids, cell_ids = {}, {}, {}
        for quiz, cells in result.quizzes.items():
            quiz_ids[quiz], notebook_ids[quiz] = _uid(), _uid()
            conn.execute(
                tables["assignment"].insert(), [{"id": quiz_ids[quiz], "name": quiz, "course_id": COURSE_ID}]
            )
            conn.execute(
                tables["notebook"].insert(),
                [{"id": notebook_ids[quiz], "name": "quiz", "assignment_id": quiz_ids[quiz]}],
            )
            for question, max_score in cells.items():
                cell_ids[question] = _uid()
                conn.execute(
                    tables["base_cell"].insert(),
                    [
                        {
                            "id": cell_ids[question],
                            "name": question,
                            "notebook_id": notebook_ids[quiz],
                            "type": "GradeCell",
                        }
                    ],
                )
                conn.execute(
                    tables["grade_cells"].insert(),
                    [{"id": cell_ids[question], "max_score": max_score, "cell_type": "code"}],
                )
        students = [
            {"id": i, "first_name": n.partition(" ")[2], "last_name": n.partition(" ")[0], "email": e}
            for i, (n, _, _, e) in result.roster.items()
        ] + [
            {"id": i, "first_name": f, "last_name": la, "email": None}
            for i, (f, la) in result.unrostered.items()
        ]
        _insert(conn, tables["student"], students)
        _insert(
            conn,
            learner_table,
            [
                {"id": i, "full_name": n, "agency": a, "commune": c, "email": e}
                for i, (n, a, c, e) in result.roster.items()
            ],
        )

        submissions, notebooks, grades, attempts, attempt_grades = [], [], [], [], []
        for k, (learner_id, by_quiz) in enumerate(result.latest.items()):
            for quiz, scores in by_quiz.items():
                when = START + timedelta(minutes=k)
                sub_id, nb_id = _uid(), _uid()
                submissions.append(
                    {
                        "id": sub_id,
                        "assignment_id": quiz_ids[quiz],
                        "student_id": learner_id,
                        "timestamp": when,
                    }
                )
                notebooks.append(
                    {
                        "id": nb_id,
                        "assignment_id": sub_id,
                        "notebook_id": notebook_ids[quiz],
                        "flagged": False,
                    }
                )
                for question, score in scores.items():
                    row = {
                        "id": _uid(),
                        "notebook_id": nb_id,
                        "cell_id": cell_ids[question],
                        "auto_score": score,
                        "manual_score": None,
                        "extra_credit": None,
                        "needs_manual_grade": False,
                    }
                    if manual_scores and rng.random() < 0.02:
                        # A trainer's correction: nbgrader counts manual_score + extra_credit.
                        row["auto_score"] = 0.0
                        row["extra_credit"] = 0.5
                        row["manual_score"] = result.quizzes[quiz][question] - 0.5
                        scores[question] = result.quizzes[quiz][question]
                    grades.append(row)
                tries = result.earlier.get(learner_id, {}).get(quiz, [])
                # `canhgiac grade` keeps every attempt it grades, the latest one too.
                for back, try_scores in enumerate([*tries, scores]):
                    attempts.append(
                        {
                            "id": len(attempts) + 1,
                            "learner_id": learner_id,
                            "assignment": quiz,
                            "submitted_at": when - timedelta(days=len(tries) - back),
                            "graded_at": when + timedelta(hours=1),
                            "score": sum(try_scores.values()),
                            "max_score": sum(result.quizzes[quiz].values()),
                        }
                    )
                    attempt_grades += [
                        {
                            "attempt_id": len(attempts),
                            "question_id": q,
                            "score": s,
                            "max_score": result.quizzes[quiz][q],
                        }
                        for q, s in try_scores.items()
                    ]
        _insert(conn, tables["submitted_assignment"], submissions)
        _insert(conn, tables["submitted_notebook"], notebooks)
        _insert(conn, tables["grade"], grades)
        if earlier_attempts:
            _insert(conn, attempt_table, attempts)
            _insert(conn, attempt_grade_table, attempt_grades)
            if conn.dialect.name == "postgresql":  # explicit ids: move the sequence past them
                conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('canhgiac_attempt', 'id'), max(id)) FROM canhgiac_attempt"
                    )
                )
    engine.dispose()
    return result


def expected_latest_scores(data: Synthetic) -> dict[str, dict[str, float]]:
    """learner -> quiz -> the score nbgrader counts for the latest submission."""
    return {lr: {q: sum(s.values()) for q, s in by_quiz.items()} for lr, by_quiz in data.latest.items()}
