"""`canhgiac grade` with files from strangers: learner code never runs, cannot change a score, and is flagged.

Every submission below arrives where nbgrader's exchange (or a trainer's
hand) leaves it, in submitted/ (or pending/).  Added and edited cells would
write a marker file into a folder every user may write to, and connect to a
TCP server on 127.0.0.1 and to a Unix socket any user may connect to: had
any of it run, even inside the jail, the marker would exist or a server
would have a connection.  One `canhgiac grade` run grades them all (the batch
goes on past the ones it refuses); the scores are those the answers deserve.
"""

import json
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path

import nbformat
import pytest
from course_factory import answers_for, copy_course, questions, run
from sqlalchemy import create_engine, select

from canhgiac.course import Course
from canhgiac.course.tables import attempt as attempt_table


def _attack(marker: Path, port: int, unix: Path, case: str) -> str:
    """The code of an added or edited cell: leaves a trace if it ever runs."""
    return (
        "import socket\n"
        f"open({str(marker / ('ran-' + case))!r}, 'w').write('ran')\n"
        f"for family, address in ((socket.AF_INET, ('127.0.0.1', {port})), (socket.AF_UNIX, {str(unix)!r})):\n"
        "    try:\n"
        "        s = socket.socket(family); s.settimeout(2); s.connect(address)\n"
        "    except OSError:\n"
        "        pass\n"
        "1.0"
    )


def _release(course: Path, quiz: str) -> nbformat.NotebookNode:
    return nbformat.read(course / "release" / quiz / "quiz.ipynb", as_version=4)


def _folder(course: Path, learner: str, quiz: str, stamp: int | None = 0) -> Path:
    folder = course / "submitted" / learner / quiz
    folder.mkdir(parents=True)
    if stamp is not None:
        (folder / "timestamp.txt").write_text(f"2025-03-01 10:{stamp:02d}:00.000000 UTC", encoding="utf-8")
    return folder


def _answers(folder: Path, plan: str, quiz: str) -> dict[str, float]:
    answers, deserved = answers_for(plan, quiz)
    (folder / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    return deserved


@pytest.fixture(scope="module")
def traps():
    """A marker folder and two listening sockets that any user may reach; yields (marker, port, unix, check)."""
    marker = Path(tempfile.mkdtemp(prefix="canhgiac-marker-"))
    marker.chmod(0o777)
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen()
    tcp.setblocking(False)
    unix_path = marker / "s"
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(unix_path))
    unix.listen()
    unix.setblocking(False)
    unix_path.chmod(0o777)

    def connected() -> list[str]:
        got = []
        for name, server in (("tcp", tcp), ("unix", unix)):
            try:
                server.accept()[0].close()
                got.append(name)
            except BlockingIOError:
                pass
        return got

    yield marker, tcp.getsockname()[1], unix_path, connected
    tcp.close()
    unix.close()
    shutil.rmtree(marker, ignore_errors=True)


@pytest.fixture(scope="module")
def graded(released_course, tmp_path_factory, traps):
    """Every adversarial submission in one course, graded by one `canhgiac grade --jobs 2`."""
    marker, port, unix, _ = traps
    base = tmp_path_factory.mktemp("untrusted")
    course = copy_course(released_course, base / "course")
    outside = base / "outside"
    outside.mkdir()
    deserved: dict[tuple[str, str], dict[str, float]] = {}

    # CB001 intro: honest.  CB001 final: a code cell added at the end.
    deserved["CB001", "intro"] = _answers(_folder(course, "CB001", "intro"), "all", "intro")
    nbformat.write(_release(course, "intro"), course / "submitted/CB001/intro/quiz.ipynb")
    folder = _folder(course, "CB001", "final")
    nb = _release(course, "final")
    nb.cells.append(nbformat.v4.new_code_cell(_attack(marker, port, unix, "added")))
    nbformat.write(nb, folder / "quiz.ipynb")
    deserved["CB001", "final"] = _answers(folder, "partly", "final")

    # CB002 intro: an added cell carrying a grade cell's nbgrader metadata, worth 100 points.
    folder = _folder(course, "CB002", "intro")
    nb = _release(course, "intro")
    grade_cell = next(c for c in nb.cells if c.metadata.nbgrader.get("grade"))
    meta = json.loads(json.dumps(grade_cell.metadata))
    meta["nbgrader"]["points"] = 100
    nb.cells.insert(2, nbformat.v4.new_code_cell(_attack(marker, port, unix, "copied"), metadata=meta))
    nbformat.write(nb, folder / "quiz.ipynb")
    deserved["CB002", "intro"] = _answers(folder, "none", "intro")

    # CB002 final: grade cells edited to run code, their points raised, the quiz cell made markdown.
    folder = _folder(course, "CB002", "final")
    nb = _release(course, "final")
    for cell in nb.cells:
        if cell.metadata.nbgrader.get("grade"):
            cell.source = _attack(marker, port, unix, "edited")
            cell.metadata.nbgrader["points"] = 100
    nb.cells[1].cell_type = "markdown"
    nb.cells[1].pop("outputs", None)
    nb.cells[1].pop("execution_count", None)
    (folder / "quiz.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    deserved["CB002", "final"] = _answers(folder, "first-5", "final")

    # CB003: a notebook that is not JSON; one of nbformat 3.
    folder = _folder(course, "CB003", "intro")
    (folder / "quiz.ipynb").write_text("print('not a notebook')", encoding="utf-8")
    deserved["CB003", "intro"] = _answers(folder, "all", "intro")
    folder = _folder(course, "CB003", "final")
    v3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}
    (folder / "quiz.ipynb").write_text(json.dumps(v3), encoding="utf-8")
    deserved["CB003", "final"] = _answers(folder, "all", "final")

    # CB004: 50 MB of outputs; 100,000 cells.
    folder = _folder(course, "CB004", "intro")
    nb = _release(course, "intro")
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="x" * 50_000_000)]
    nbformat.write(nb, folder / "quiz.ipynb")
    deserved["CB004", "intro"] = _answers(folder, "partly", "intro")
    folder = _folder(course, "CB004", "final")
    cells = [{"cell_type": "raw", "metadata": {}, "source": ""}] * 100_000
    (folder / "quiz.ipynb").write_text(
        json.dumps(
            {"nbformat": 4, "nbformat_minor": 4, "metadata": {}, "cells": cells}, separators=(",", ":")
        ),
        encoding="utf-8",
    )
    deserved["CB004", "final"] = _answers(folder, "all", "final")

    # CB005: JSON nested 100,000 deep; a notebook with NUL bytes and invalid UTF-8.
    folder = _folder(course, "CB005", "intro")
    (folder / "quiz.ipynb").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    deserved["CB005", "intro"] = _answers(folder, "first-2", "intro")
    folder = _folder(course, "CB005", "final")
    raw = nbformat.writes(_release(course, "final")).encode()
    (folder / "quiz.ipynb").write_bytes(
        raw.replace(b'"metadata": {', b'"metadata": {"x\x00\xff\xfe": 1, ', 1)
    )
    deserved["CB005", "final"] = _answers(folder, "all", "final")

    # CB006: answers.json a symbolic link, then a hard link, to files outside the course.
    good, _ = answers_for("all", "intro")
    (outside / "answers-intro.json").write_text(json.dumps(good), encoding="utf-8")
    folder = _folder(course, "CB006", "intro")
    nbformat.write(_release(course, "intro"), folder / "quiz.ipynb")
    (folder / "answers.json").symlink_to(outside / "answers-intro.json")
    deserved["CB006", "intro"] = dict.fromkeys(answers_for("all", "intro")[1], 0.0)
    good, _ = answers_for("all", "final")
    (outside / "answers-final.json").write_text(json.dumps(good), encoding="utf-8")
    folder = _folder(course, "CB006", "final")
    nbformat.write(_release(course, "final"), folder / "quiz.ipynb")
    os.link(outside / "answers-final.json", folder / "answers.json")
    deserved["CB006", "final"] = dict.fromkeys(answers_for("all", "final")[1], 0.0)

    # CB007 intro: 10,000 options for the first question.  CB007 final: a package that would
    # shadow canhgiac's grading code, and a sitecustomize.py, beside an honest notebook.
    folder = _folder(course, "CB007", "intro")
    nbformat.write(_release(course, "intro"), folder / "quiz.ipynb")
    answers, scores = answers_for("all", "intro")
    first = questions("intro")[0].id
    answers[first] = ["a"] * 10_000
    (folder / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    deserved["CB007", "intro"] = {**scores, first: 0.0}
    folder = _folder(course, "CB007", "final")
    nbformat.write(_release(course, "final"), folder / "quiz.ipynb")
    (folder / "canhgiac" / "quiz").mkdir(parents=True)
    (folder / "canhgiac" / "__init__.py").write_text("", encoding="utf-8")
    (folder / "canhgiac" / "quiz" / "__init__.py").write_text("", encoding="utf-8")
    (folder / "canhgiac" / "quiz" / "grading.py").write_text(
        _attack(marker, port, unix, "shadow") + "\ndef grade(*a, **k):\n    return 100.0\n", encoding="utf-8"
    )
    (folder / "sitecustomize.py").write_text(_attack(marker, port, unix, "site"), encoding="utf-8")
    deserved["CB007", "final"] = _answers(folder, "none", "final")

    # CB008 intro: no timestamp.txt, twice, with the same folder time (by hand in submitted/ and pending/).
    late = _folder(course, "CB008", "intro", stamp=None)
    nbformat.write(_release(course, "intro"), late / "quiz.ipynb")
    _answers(late, "all", "intro")
    early = course / "pending" / "CB008" / "intro" / "by-hand"
    early.mkdir(parents=True)
    nbformat.write(_release(course, "intro"), early / "quiz.ipynb")
    _answers(early, "none", "intro")
    for path in (late, early):
        os.utime(path, (1_741_000_000, 1_741_000_000))

    # CB008 final: the submission folder is a link to a folder outside the course.
    target = outside / "CB008-final"
    target.mkdir()
    nbformat.write(_release(course, "final"), target / "quiz.ipynb")
    _answers(target, "all", "final")
    (course / "submitted" / "CB008" / "final").symlink_to(target, target_is_directory=True)

    # A learner folder whose name holds terminal control characters.
    _answers(_folder(course, "CB\x1b[31mX", "intro"), "all", "intro")

    before_outside = {p.name: p.stat().st_mtime_ns for p in outside.rglob("*")}
    result = run("canhgiac", "grade", "--jobs", "2", "--course", str(course), check=False)
    after_outside = {p.name: p.stat().st_mtime_ns for p in outside.rglob("*")}
    return course, deserved, result, before_outside == after_outside


def _scores(course: Path) -> dict[tuple[str, str], dict[str, float]]:
    with Course(course).gradebook() as gradebook:
        return {
            (s.student.id, quiz): {g.name: g.score for nb in s.notebooks for g in nb.grades}
            for quiz in ("intro", "final")
            for s in gradebook.assignment_submissions(quiz)
            if all(g.auto_score is not None for nb in s.notebooks for g in nb.grades)
        }


def _section(out: str, start: str) -> str:
    return out.split(start)[1].split("\nCô lập")[0] if start in out else ""


def test_nothing_a_learner_added_or_edited_ever_ran(graded, traps):
    """Did no added, edited or shadowing code run: no marker file, no connection to either server?"""
    marker, _, _, connected = traps
    assert sorted(p.name for p in marker.iterdir()) == ["s"], graded[2].stdout
    assert connected() == []


def test_scores_are_those_the_answers_deserve(graded):
    """Does every attempt get what its answers deserve, whatever its notebook holds (points raised to 100 included)?"""
    course, deserved, result, _ = graded
    scores = _scores(course)
    for key, expected in deserved.items():
        assert scores.get(key) == expected, (key, result.stdout)
    for _, quiz, max_score in _attempts(course, "max_score"):
        assert max_score == sum(answers_for("all", quiz)[1].values())


def _attempts(course: Path, column: str):
    engine = create_engine(Course(course).db_url)
    with engine.connect() as db:
        rows = db.execute(
            select(attempt_table.c.learner_id, attempt_table.c.assignment, attempt_table.c[column])
        ).all()
    engine.dispose()
    return rows


@pytest.mark.parametrize(
    ("who", "found"),
    [
        ("CB001 · bài final", "học viên thêm 1 ô"),
        ("CB002 · bài intro", "siêu dữ liệu chấm điểm (nbgrader) chép sang"),
        ("CB002 · bài final", "nội dung ô của bài gốc đã bị sửa"),
        ("CB002 · bài final", "points"),
        ("CB002 · bài final", "loại ô code → markdown"),
        ("CB003 · bài intro", "tệp JSON hỏng"),
        ("CB003 · bài final", "nbformat 3"),
        ("CB004 · bài intro", "quá lớn"),
        ("CB004 · bài final", "100.000 ô"),
        ("CB005 · bài intro", "lồng nhau quá sâu"),
        ("CB005 · bài final", "UTF-8"),
        ("CB006 · bài intro", "symlink"),
        ("CB006 · bài final", "liên kết cứng"),
        ("CB007 · bài intro", "10000 lựa chọn"),
        ("CB007 · bài final", "bài nộp có thêm 2 tệp (canhgiac/, sitecustomize.py)"),
    ],
)
def test_each_change_is_flagged_for_review_with_what_was_found(graded, who, found):
    """Is each adversarial attempt graded and listed under "Cần xem lại", saying what was found?"""
    out = graded[2].stdout
    review = _section(out, "Cần xem lại:")
    learner, quiz = who.split(" · ")
    # The summary names a known learner with their name: "CB001 (Nguyễn Thị Lan) · bài final".
    named = re.compile(rf"\s*{learner}( \([^)]*\))? · {quiz}\b")
    line = next((line for line in review.splitlines() if named.match(line)), "")
    assert found in line, out


def test_an_honest_attempt_and_a_10000_option_answer(graded):
    """Is the honest attempt not flagged, and does the 10,000-option answer cost only its question, with the reason in its feedback?"""
    course, _, result, _ = graded
    review = _section(result.stdout, "Cần xem lại:")
    assert "CB001 · bài intro" not in review
    autograded = nbformat.read(course / "autograded/CB007/intro/quiz.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in autograded.cells for o in c.get("outputs", []))
    assert "10000 lựa chọn" in printed


def test_links_out_of_the_course_and_bad_names_are_refused_and_the_batch_goes_on(graded):
    """Are a submission folder linking outside and a learner name with control characters refused, the rest graded, nothing outside touched?"""
    course, deserved, result, outside_untouched = graded
    failed = result.stdout.split("Không chấm được:")[1].split("Không có timestamp")[0]
    assert "CB008 (Tô Văn Đức) · bài final" in failed and "symlink" in failed
    assert "ký tự điều khiển" in failed and "\x1b" not in result.stdout
    assert result.returncode == 1
    assert "Đã chấm: 16 bài nộp" in result.stdout
    assert outside_untouched
    assert not (course.parent / "outside" / "CB008-final" / "timestamp.txt").exists()


def test_submissions_without_timestamp_are_graded_as_two_attempts(graded):
    """Are two folders without timestamp.txt, of the same time, graded as two attempts, with the folder's time said?"""
    course, _, result, _ = graded
    untimed = result.stdout.split("Không có timestamp.txt: 2 bài")[1].split("Cần xem lại")[0]
    assert untimed.count("CB008 · bài intro") == 2
    attempts = sorted(
        (when, score) for who, quiz, when, score in _attempts_with_score(course) if who == "CB008"
    )
    assert len(attempts) == 2 and attempts[0][0] != attempts[1][0]
    assert sorted(score for _, score in attempts) == [0.0, sum(answers_for("all", "intro")[1].values())]
    # Which of the two is later cannot be known; nbgrader's gradebook ends with the one taken as later.
    assert sum(_scores(course)["CB008", "intro"].values()) == attempts[-1][1]


def _attempts_with_score(course: Path):
    engine = create_engine(Course(course).db_url)
    with engine.connect() as db:
        a = attempt_table.c
        rows = db.execute(select(a.learner_id, a.assignment, a.submitted_at, a.score)).all()
    engine.dispose()
    return rows


def test_the_report_lists_the_attempts_to_review(graded, tmp_path):
    """Does `canhgiac report` list the flagged attempts, with what was found, under "Bài nộp cần xem lại"?"""
    course = copy_course(graded[0], tmp_path / "course")
    run("canhgiac", "report", "--course", str(course), "--out", str(tmp_path / "report"))
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    section = html.split("Bài nộp cần xem lại")[1]
    assert "CB001" in section and "học viên thêm 1 ô" in section
    assert "CB002" in section and "nội dung ô của bài gốc đã bị sửa" in section
