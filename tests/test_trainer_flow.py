"""A trainer's whole cycle on a course of 30 learners in 4 agencies and 4 communes, on SQLite and on a real PostgreSQL.

Roster (CSV with Excel's BOM, names with diacritics, one in decomposed
Unicode) -> two quizzes released (the chapter quiz `intro` and the final test)
-> answers known in advance, handed in through nbgrader's exchange and as
files (a book page's download, a quiz folder, a bare answers.json, a zip),
some twice, some not at all -> `canhgiac collect` -> `canhgiac grade` ->
`canhgiac report` -> `canhgiac certificates`.

Every trainer command runs as a scheduled job would: by its path, with a bare
PATH (/usr/bin:/bin), not in the test's process.  What the answers deserve is
computed here from the bank's key, independently of the scoring and report
code, and every figure of the report's CSV files is checked against it.
"""

import json
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from course_factory import wrong_answer

from canhgiac.bank import load_bank
from canhgiac.tools import BIN, tool_env

pytestmark = pytest.mark.nbgrader

ROOT = Path(__file__).resolve().parents[1]
CHAPTER, FINAL = "intro", "final"
QUIZZES = (CHAPTER, FINAL)
# How the report names them: the headings `canhgiac assign` gives their notebooks.
TITLES = {CHAPTER: "Bài kiểm tra: Giới thiệu", FINAL: "Bài kiểm tra cuối khóa"}
PASS_MARK = 0.8
# A scheduled job's environment: no venv on PATH, nothing activated.
BARE_ENV = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}

AGENCIES = {
    "ubnd": "Văn phòng HĐND và UBND xã Đình Lập",
    "ca": "Công an xã Thái Bình",
    "yte": "Trạm Y tế xã Kiên Mộc",
    "gd": "Trường Tiểu học Bắc Xa",
}
COMMUNES = ("Đình Lập", "Thái Bình", "Kiên Mộc", "Châu Sơn")

# What each learner hands in.  A plan names the answers (see `answers_for`); a
# pair of plans is two attempts, oldest first, and the latest counts.  The
# channel is how the answers reach the trainer: "exchange" learners have
# JupyterHub for the final test (nbgrader submit) and use the book's page for
# the chapter quiz; the others send files (see `_hand_in_as_files`).  The
# plans make the question analysis flag a question of each kind: intro-q03 too
# easy, final-q04 too hard, final-q15 misleading (the good learners of "trap"
# miss it, the guessers of "wrong" get it).
#   id        agency commune full name                intro     final      channel
LEARNERS = [
    ("LS-001", "ubnd", 0, "Nguyễn Thị Lan", "all", "all", "exchange"),
    ("LS-002", "ubnd", 0, "Trần Văn Hùng", "all", "miss-3", "exchange"),  # 13/16 = 81%: passes
    ("LS-003", "ubnd", 1, "Lê Thị Hồng Nhung", "partly", "miss-4", "exchange"),  # 12/16 = 75%: fails
    ("LS-004", "ubnd", 0, "Phạm Quốc Đạt", None, "all", "exchange"),  # passes, not completed
    ("LS-005", "ubnd", 3, "Hoàng Thị Thu Hà", "all", None, "book"),
    ("LS-006", "ubnd", 0, "Vũ Đức Thắng", None, None, None),  # not started
    ("LS-007", "ubnd", 1, "Đặng Thị Ánh Tuyết", None, None, None),
    ("LS-008", "ubnd", 0, "Bùi Văn Lực", "wrong", "partly", "folder"),
    ("LS-009", "ca", 1, "Đỗ Minh Khôi", "all", "trap", "folder"),
    ("LS-010", "ca", 1, "Hồ Thị Mỹ Duyên", "all", "miss-3", "answers"),
    ("LS-011", "ca", 2, "Ngô Văn Toàn", "partly", "miss-4", "answers"),
    ("LS-012", "ca", 1, "Dương Thị Huyền", "all", "trap", "zip"),
    ("LS-013", "ca", 1, "Lý Văn Thành", None, None, None),
    ("LS-014", "ca", 3, "Đinh Thị Ngọc Ánh", "empty", "wrong", "zip"),
    ("LS-015", "ca", 1, "Trịnh Xuân Trường", None, None, None),
    ("LS-016", "ca", 2, "Mai Thị Phương", None, "all", "book"),
    ("LS-017", "yte", 2, "Tạ Văn Nghĩa", "all", "trap", "book"),
    ("LS-018", "yte", 3, "Cao Thị Yến", "partly", "partly", "book"),
    ("LS-019", "yte", 2, "Lương Văn Ổn", "all", None, "folder"),
    ("LS-020", "yte", 2, "Phan Thị Ngân", None, None, None),
    ("LS-021", "yte", 2, "Châu Văn Quý", "all", "empty", "answers"),
    ("LS-022", "yte", 3, "Kiều Thị Oanh", None, None, None),
    ("LS-023", "yte", 3, "Quách Văn Sỹ", "all", "trap", "zip"),
    ("LS-024", "gd", 3, "Âu Thị Ửng", "partly", "all", "folder"),
    ("LS-025", "gd", 0, "Khổng Minh Ưng", None, None, None),
    ("LS-026", "gd", 3, "Nông Thị Lệ", "all", "miss-4", "book"),
    ("LS-027", "gd", 2, "La Văn Ơn", None, "partly", "answers"),
    ("LS-028", "gd", 3, "Tô Thị Hường", None, None, None),
    ("LS-029", "gd", 3, "Mạc Văn Hiếu", "all", ("miss-4", "all"), "book"),  # does better: passes
    ("LS-030", "gd", 1, "Thân Thị Diệu", "all", ("all", "miss-4"), "book"),  # does worse: fails
]
# Written to the CSV in decomposed Unicode (as some systems export): the course must store NFC.
NFD_NAMES = {"LS-003", "LS-024"}
# A file from someone who is not on the roster: collect must name it and go on.
STRANGER = "LS-999"


def answers_for(plan: str, questions) -> tuple[dict[str, list[str]], dict[str, float]]:
    """The answers a plan gives, and the score each question deserves: points for the key, else 0."""
    if plan == "empty":
        return {}, {q.id: 0.0 for q in questions}
    one_point = [q.id for q in questions if q.points == 1]
    if plan.startswith("miss-"):
        wrong = set(one_point[: int(plan.split("-")[1])])
    elif plan == "partly":
        wrong = {q.id for i, q in enumerate(questions) if i % 2}
    elif plan == "wrong":  # a learner who guesses: only the last two right
        wrong = {q.id for q in questions[:-2]}
    elif plan == "trap":  # a good learner caught by two questions, one of them the last
        wrong = {questions[3].id, questions[-1].id}
    else:
        assert plan == "all", plan
        wrong = set()
    answers = {q.id: (wrong_answer(q) if q.id in wrong else list(q.answer)) for q in questions}
    return answers, {q.id: (0.0 if q.id in wrong else float(q.points)) for q in questions}


@dataclass
class Expected:
    """What the course must show, computed from the plans and the bank's key alone."""

    questions: dict[str, list] = field(default_factory=dict)  # quiz -> bank questions
    # learner -> quiz -> question -> score, for the attempt that counts (the latest)
    scores: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def max_score(self, quiz: str) -> float:
        return float(sum(q.points for q in self.questions[quiz]))

    def total(self, learner: str, quiz: str) -> float | None:
        got = self.scores.get(learner, {}).get(quiz)
        return None if got is None else sum(got.values())

    def completed(self, learner: str) -> bool:
        return all(self.total(learner, quiz) is not None for quiz in QUIZZES)

    def passed(self, learner: str) -> bool:
        total = self.total(learner, FINAL)
        return total is not None and total >= PASS_MARK * self.max_score(FINAL) - 1e-9


def _run(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def trainer(*args: str, course: Path) -> subprocess.CompletedProcess:
    """A `canhgiac` trainer command as a scheduled job runs it: by path, bare PATH, in another folder."""
    return _run([str(BIN / "canhgiac"), *args, "--course", str(course)], BARE_ENV, cwd=course.parent)


def nbgrader(*args: str, course: Path, exchange: Path) -> str:
    result = _run(
        [str(BIN / "nbgrader"), *args, f"--Exchange.root={exchange}", "--CourseDirectory.course_id=canhgiac"],
        tool_env(),
        cwd=course,
    )
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def _roster_csv(path: Path) -> None:
    import unicodedata

    lines = ["Mã,Họ và tên,Cơ quan,Xã/phường,Email"]
    for ident, agency, commune, name, *_ in LEARNERS:
        shown = unicodedata.normalize("NFD", name) if ident in NFD_NAMES else name
        email = f"{ident.lower()}@example.org" if int(ident[3:]) % 3 else ""
        lines.append(f"{ident},{shown},{AGENCIES[agency]},{COMMUNES[commune]},{email}")
    # Excel's "CSV UTF-8": a BOM, CRLF line ends.
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))


def _submit_through_exchange(submissions, course: Path, exchange: Path, base: Path) -> None:
    """Learners of a JupyterHub: fetch the released quiz, save answers.json beside it, submit (nbgrader's exchange)."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
    from traitlets.config import Config

    for learner, quiz, answers in submissions:
        home = base / "homes" / learner
        home.mkdir(parents=True, exist_ok=True)
        config = Config()
        config.Exchange.root = str(exchange)
        config.Exchange.assignment_dir = str(home)
        config.Exchange.cache = str(base / "exchange-cache" / learner)
        config.CourseDirectory.course_id = "canhgiac"
        config.CourseDirectory.student_id = learner
        for step in (ExchangeFetchAssignment, ExchangeSubmit):
            coursedir = CourseDirectory(config=config)
            coursedir.assignment_id = quiz
            if step is ExchangeSubmit:
                (home / quiz / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
            step(coursedir=coursedir, authenticator=Authenticator(config=config), config=config).start()


def _book_file(learner: str, name: str, quiz: str, answers, saved_at: datetime) -> str:
    """What a quiz page of the book downloads (canhgiac-exam.js)."""
    return json.dumps(
        {
            "learner": learner,
            "name": name,
            "assignment": quiz,
            "saved_at": saved_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "answers": answers,
        },
        ensure_ascii=False,
        indent=2,
    )


def _hand_in_as_files(learner, name, quiz, answers, channel, inbox: Path, release: Path, when: datetime):
    """A learner without JupyterHub sends the quiz by e-mail or messaging, in one of the forms they use."""
    notebook = (release / quiz / "quiz.ipynb").read_bytes()
    answers_json = json.dumps(answers, ensure_ascii=False).encode()
    if channel == "book":
        path = inbox / f"{learner}_{quiz}.json"
        if path.exists():  # a second download of the page, named by the browser
            path = inbox / f"{learner}_{quiz} (1).json"
        path.write_text(_book_file(learner, name, quiz, answers, when), encoding="utf-8")
    elif channel == "folder":  # the quiz folder, as saved from an e-mail
        folder = inbox / learner / quiz
        folder.mkdir(parents=True)
        (folder / "quiz.ipynb").write_bytes(notebook)
        (folder / "answers.json").write_bytes(answers_json)
    elif channel == "answers":  # only answers.json, in a folder named after the learner
        folder = inbox / f"{learner} - {quiz}"
        folder.mkdir(parents=True)
        (folder / "answers.json").write_bytes(answers_json)
    elif channel == "zip":
        with zipfile.ZipFile(inbox / f"{learner}_{quiz}.zip", "w") as archive:
            archive.writestr(f"{quiz}/quiz.ipynb", notebook)
            archive.writestr(f"{quiz}/answers.json", answers_json)
    else:
        raise AssertionError(channel)


@dataclass
class Flow:
    backend: str
    course: Path
    out: Path
    certificates: Path
    expected: Expected
    outputs: dict[str, subprocess.CompletedProcess]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def flow(request, tmp_path_factory) -> Flow:
    """The whole cycle, once per database."""
    base = tmp_path_factory.mktemp(f"flow-{request.param}")
    course, exchange, inbox = base / "khoa-hoc", base / "exchange", base / "hop-thu"
    exchange.mkdir()
    exchange.chmod(0o777)
    inbox.mkdir()
    outputs: dict[str, subprocess.CompletedProcess] = {}

    outputs["assign"] = trainer("assign", course=course)
    assert outputs["assign"].returncode == 0, outputs["assign"].stderr
    # Only the two quizzes of this course: a trainer may release any subset of the bank's.
    for folder in (course / "source").iterdir():
        if folder.name not in QUIZZES:
            shutil.rmtree(folder)
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(f"flow_{os.getpid()}")
        config = course / "nbgrader_config.py"
        config.write_text(
            config.read_text(encoding="utf-8")
            + f'\nc = get_config()  # noqa: F821\nc.CourseDirectory.db_url = "{url}"\n',
            encoding="utf-8",
        )
    nbgrader("generate_assignment", "*", course=course, exchange=exchange)

    roster = base / "danh-sach.csv"
    _roster_csv(roster)
    outputs["roster"] = trainer("roster", "import", str(roster), course=course)
    assert outputs["roster"].returncode == 0, outputs["roster"].stderr

    bank = load_bank(ROOT / "quizzes" / "bank")
    expected = Expected(questions={quiz: bank.graded(quiz) for quiz in QUIZZES})
    nbgrader("release_assignment", FINAL, course=course, exchange=exchange)

    through_exchange = []
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    for index, (learner, _, _, name, *plans, channel) in enumerate(LEARNERS):
        for quiz, plan in zip(QUIZZES, plans, strict=True):
            if plan is None:
                continue
            attempts = plan if isinstance(plan, tuple) else (plan,)
            for number, attempt in enumerate(attempts):
                answers, scores = answers_for(attempt, expected.questions[quiz])
                expected.scores.setdefault(learner, {})[quiz] = scores  # the latest counts
                if channel == "exchange" and quiz == FINAL:
                    through_exchange.append((learner, quiz, answers))
                else:
                    when = start + timedelta(minutes=10 * index + 60 * number)
                    how = "book" if channel == "exchange" else channel
                    _hand_in_as_files(learner, name, quiz, answers, how, inbox, course / "release", when)
    (inbox / f"{STRANGER}_{FINAL}.json").write_text(
        _book_file(STRANGER, "Người Lạ", FINAL, {}, start), encoding="utf-8"
    )

    _submit_through_exchange(through_exchange, course, exchange, base)
    nbgrader("collect", FINAL, course=course, exchange=exchange)

    outputs["collect"] = trainer("collect", *sorted(str(p) for p in inbox.iterdir()), course=course)
    outputs["grade"] = trainer("grade", course=course)
    out, certificates = base / "bao-cao", base / "chung-nhan"
    outputs["report"] = trainer("report", "--out", str(out), course=course)
    outputs["certificates"] = trainer("certificates", "--out", str(certificates), course=course)
    return Flow(request.param, course, out, certificates, expected, outputs)


# ---------------------------------------------------------------- collecting and grading


def test_collect_takes_every_file_and_names_the_one_it_cannot_match(flow):
    """Does `canhgiac collect` take every learner's files, and name the stranger's file with the reason?"""
    result = flow.outputs["collect"]
    assert result.returncode == 0, result.stdout + result.stderr
    text = result.stdout + result.stderr
    assert f"{STRANGER}_{FINAL}.json" in text
    assert STRANGER not in {p.name for p in (flow.course / "submitted").iterdir()}


def test_grade_grades_everything_and_reports_no_failure(flow):
    """Does `canhgiac grade`, run by path without the venv, grade every submission with no failure?"""
    result = flow.outputs["grade"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Không chấm được" not in result.stdout


def test_the_gradebook_holds_what_each_answer_deserves(flow):
    """Does nbgrader's gradebook hold, for each learner's latest attempt, exactly the deserved question scores?"""
    from canhgiac.course import Course

    course = Course(flow.course)
    if flow.backend == "postgresql":
        assert course.db_url.startswith("postgresql://")
        assert not (flow.course / "gradebook.db").exists(), "a command used SQLite instead of PostgreSQL"
    with course.gradebook() as gradebook:
        for learner, quizzes in flow.expected.scores.items():
            for quiz, scores in quizzes.items():
                submission = gradebook.find_submission(quiz, learner)
                got = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
                assert got == scores, (learner, quiz)
        gradebook.engine.dispose()


# ---------------------------------------------------------------- the report's figures


def read_csv(flow: Flow, name: str) -> list[dict[str, str]]:
    import csv

    raw = (flow.out / f"{name}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{name}.csv: no BOM, Excel would garble the diacritics"
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def percent(part: float, whole: float) -> float | None:
    return None if not whole else 100.0 * part / whole


def close(cell: str, value: float | None) -> bool:
    """A CSV cell rounded to 0.1 (or to 0.01 for points) against the exact figure; empty for None."""
    if value is None:
        return cell == ""
    return cell != "" and abs(float(cell) - value) <= 0.05 + 1e-9


ROSTER = {ident: (AGENCIES[agency], COMMUNES[commune], name) for ident, agency, commune, name, *_ in LEARNERS}


def email(ident: str) -> str:
    return f"{ident.lower()}@example.org" if int(ident[3:]) % 3 else ""


def test_the_report_writes_every_file(flow):
    """Does `canhgiac report`, run by path without the venv, write the HTML page, the CSV tables, the workbook and the charts?"""
    result = flow.outputs["report"]
    assert result.returncode == 0, result.stdout + result.stderr
    names = ["by_agency", "by_commune", "quizzes", "score_distribution", "reminders", "questions", "learners"]
    for name in names:
        assert (flow.out / f"{name}.csv").stat().st_size > 0, name
    assert (flow.out / "report.html").exists() and (flow.out / "report.xlsx").exists()
    for chart in ("by_agency", "by_commune", "score_distribution", "questions"):
        assert (flow.out / "charts" / f"{chart}.png").read_bytes().startswith(b"\x89PNG"), chart


def test_every_learner_has_the_scores_and_status_deserved(flow):
    """Is each row of learners.csv the learner of the roster (NFC name) with the deserved scores, completion and pass?"""
    e = flow.expected
    rows = {row["Mã"]: row for row in read_csv(flow, "learners")}
    assert set(rows) == set(ROSTER)
    for ident, row in rows.items():
        agency, commune, name = ROSTER[ident]
        assert (row["Họ và tên"], row["Cơ quan"], row["Xã"], row["Email"]) == (
            name,
            agency,
            commune,
            email(ident),
        )
        for quiz in QUIZZES:
            assert close(row[TITLES[quiz]], e.total(ident, quiz)), (ident, quiz, row[TITLES[quiz]])
        final = e.total(ident, FINAL)
        assert close(row["Bài cuối khóa (%)"], None if final is None else percent(final, e.max_score(FINAL)))
        assert row["Hoàn thành"] == ("Có" if e.completed(ident) else "Không"), ident
        assert row["Đạt"] == ("Có" if e.passed(ident) else "Không"), ident


def _check_groups(flow: Flow, name: str, column: str, group_of) -> None:
    e = flow.expected
    rows = read_csv(flow, name)
    assert rows[-1][column] == "Tổng cộng"
    groups: dict[str, list[str]] = {}
    for ident in ROSTER:
        groups.setdefault(group_of(ident), []).append(ident)
    groups["Tổng cộng"] = list(ROSTER)
    names = [row[column] for row in rows[:-1]]
    assert names == sorted(names, key=_fold), f"{name}.csv is not in alphabetical order"
    assert {row[column] for row in rows} == set(groups)
    for row in rows:
        members = groups[row[column]]
        done = sum(e.completed(i) for i in members)
        passed = sum(e.passed(i) for i in members)
        assert (int(row["Học viên"]), int(row["Hoàn thành"]), int(row["Đạt"])) == (
            len(members),
            done,
            passed,
        ), row
        assert close(row["Tỷ lệ hoàn thành (%)"], percent(done, len(members))), row
        assert close(row["Tỷ lệ đạt (%)"], percent(passed, len(members))), row


def _fold(text: str) -> str:
    from canhgiac.text import fold

    return fold(text)


def test_completion_and_pass_rates_by_agency(flow):
    """Does by_agency.csv give, for each agency and in total, the learners, completed, passed and the rates deserved?"""
    _check_groups(flow, "by_agency", "Cơ quan", lambda ident: ROSTER[ident][0])


def test_completion_and_pass_rates_by_commune(flow):
    """Does by_commune.csv give, for each commune and in total, the learners, completed, passed and the rates deserved?"""
    _check_groups(flow, "by_commune", "Xã", lambda ident: ROSTER[ident][1])


def test_each_quiz_has_the_hand_ins_mean_and_passes_deserved(flow):
    """Does quizzes.csv give each quiz's questions, points, hand-ins, mean score and passes as the answers deserve?"""
    e = flow.expected
    rows = {row["Bài (mã)"]: row for row in read_csv(flow, "quizzes")}
    assert set(rows) == set(QUIZZES)
    for quiz, row in rows.items():
        assert row["Bài"] == TITLES[quiz]
        totals = [t for i in ROSTER if (t := e.total(i, quiz)) is not None]
        top = e.max_score(quiz)
        passes = sum(t >= PASS_MARK * top - 1e-9 for t in totals)
        assert int(row["Số câu"]) == len(e.questions[quiz])
        assert number(row["Điểm tối đa"]) == top
        assert int(row["Đã nộp"]) == len(totals)
        assert close(row["Tỷ lệ nộp (%)"], percent(len(totals), len(ROSTER)))
        assert close(row["Điểm trung bình (%)"], percent(sum(t / top for t in totals), len(totals)))
        assert int(row["Đạt điểm yêu cầu"]) == passes
        assert close(row["Tỷ lệ đạt trong số đã nộp (%)"], percent(passes, len(totals)))


def test_the_distribution_of_final_scores(flow):
    """Does score_distribution.csv count the final test's scores in the right tenth (100% in the last)?"""
    e = flow.expected
    rows = read_csv(flow, "score_distribution")
    counts = [0] * 10
    for ident in ROSTER:
        total = e.total(ident, FINAL)
        if total is not None:
            counts[min(9, int(10 * total / e.max_score(FINAL) + 1e-9))] += 1
    assert [(int(r["Từ (%)"]), int(r["Đến (%)"])) for r in rows] == [(10 * i, 10 * i + 10) for i in range(10)]
    assert [int(r["Số học viên"]) for r in rows] == counts


def test_the_reminders_name_everyone_who_has_something_to_do(flow):
    """Does reminders.csv list, by agency, exactly who has not handed in or not passed, with what and the score?"""
    e = flow.expected
    rows = read_csv(flow, "reminders")
    expected = {}
    for ident, (agency, commune, name) in ROSTER.items():
        if e.completed(ident) and e.passed(ident):
            continue
        missing = "; ".join(TITLES[q] for q in QUIZZES if e.total(ident, q) is None)
        final = e.total(ident, FINAL)
        failed = ""
        if final is not None and not e.passed(ident):  # a decimal dot, as every number of the CSV files
            failed = (
                f"{TITLES[FINAL]} ({percent(final, e.max_score(FINAL)):.1f}".rstrip("0").rstrip(".") + "%)"
            )
        expected[ident] = (agency, commune, name, email(ident), missing, failed)
    got = {
        r["Mã"]: (r["Cơ quan"], r["Xã"], r["Họ và tên"], r["Email"], r["Chưa nộp"], r["Chưa đạt"])
        for r in rows
    }
    assert got == expected
    agencies = [r["Cơ quan"] for r in rows]
    assert agencies == sorted(agencies, key=_fold), "the reminders are not grouped by agency"


def _question_figures(e: Expected, quiz: str, question) -> dict[str, float | None]:
    """n, full marks (%), facility (%) and discrimination (%) of a question over the counting attempts."""
    import statistics

    attempts = [scores[quiz] for scores in e.scores.values() if quiz in scores]
    x = [a[question.id] for a in attempts]
    rest = [sum(a.values()) - a[question.id] for a in attempts]
    try:
        discrimination = 100.0 * statistics.correlation(x, rest)
    except statistics.StatisticsError:  # one of them does not vary: Moodle leaves it empty
        discrimination = None
    return {
        "n": len(attempts),
        "full": percent(sum(v == question.points for v in x), len(x)),
        "facility": percent(sum(x), len(x) * question.points),
        "discrimination": discrimination,
    }


def test_each_question_has_its_share_right_facility_and_discrimination(flow):
    """Does questions.csv give each question's attempts, share right, facility and discrimination index as deserved?"""
    e = flow.expected
    rows = {(row["Bài (mã)"], row["Câu hỏi"]): row for row in read_csv(flow, "questions")}
    assert set(rows) == {(quiz, q.id) for quiz in QUIZZES for q in e.questions[quiz]}
    seen: set[str] = set()
    for quiz in QUIZZES:
        for q in e.questions[quiz]:
            row, want = rows[(quiz, q.id)], _question_figures(e, quiz, q)
            assert number(row["Điểm tối đa"]) == q.points
            assert row["Nội dung"] and " ".join(q.text.split()).startswith(row["Nội dung"].rstrip("…")), q.id
            assert int(row["Số bài làm"]) == want["n"], q.id
            assert close(row["Đúng hoàn toàn (%)"], want["full"]), q.id
            assert close(row["Độ dễ (%)"], want["facility"]), q.id
            assert close(row["Độ phân biệt (%)"], want["discrimination"]), (q.id, row["Độ phân biệt (%)"])
            flags = []
            if want["n"] >= 10:  # ReportSettings' defaults: 10 attempts, 90%, 30%, 10%
                if want["facility"] > 90:
                    flags.append("quá dễ")
                if want["facility"] < 30:
                    flags.append("quá khó")
                if want["discrimination"] is not None and want["discrimination"] < 10:
                    flags.append("có thể gây hiểu nhầm")
            assert row["Cần xem lại"] == "; ".join(flags), q.id
            seen.update(flags)
    assert seen == {"quá dễ", "quá khó", "có thể gây hiểu nhầm"}, "the plans no longer exercise every flag"


def test_the_report_opens_offline_in_a_browser(flow, browser):
    """Does report.html open in headless Chromium with its charts drawn, no error, and no request leaving the machine?"""
    requests: list[str] = []
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        context.on("request", lambda r: requests.append(r.url))
        context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        context.route(
            lambda url: not url.startswith(("file:", "data:", "blob:")), lambda route: route.abort()
        )
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((flow.out / "report.html").as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate(
            "() => [...document.images].map(i => [i.complete && i.naturalWidth > 0, i.alt])"
        )
        text = page.inner_text("body")
    finally:
        context.close()
    outside = [u for u in requests if not u.startswith(("file:", "data:", "blob:"))]
    assert not outside, f"the report asked other hosts: {outside}"
    assert not errors, errors
    assert len(images) >= 4 and all(ok and alt for ok, alt in images), images
    for agency in AGENCIES.values():
        assert agency in text
    assert "Tổng cộng" in text


# ---------------------------------------------------------------- certificates


def test_one_certificate_for_each_learner_who_passed(flow):
    """Does `canhgiac certificates` write one PDF for each learner who passed, none for the others?"""
    result = flow.outputs["certificates"]
    assert result.returncode == 0, result.stdout + result.stderr
    passed = {ident for ident in ROSTER if flow.expected.passed(ident)}
    assert passed, "the course must have learners who passed"
    assert {p.stem for p in flow.certificates.glob("*.pdf")} == passed


def test_each_certificate_bears_the_name_of_the_roster(flow):
    """Is the name read back from each certificate's PDF text the roster's, diacritics and all (NFC)?"""
    import re
    import unicodedata

    from pypdf import PdfReader

    for pdf in sorted(flow.certificates.glob("*.pdf")):
        text = unicodedata.normalize("NFC", "".join(page.extract_text() for page in PdfReader(pdf).pages))
        text = re.sub(r"\s+", " ", text)
        agency, _, name = ROSTER[pdf.stem]
        assert name in text, (pdf.stem, name, text[:300])
