"""deploy/server/backup.sh and restore.sh: back up, destroy, restore, and the learners' results are the same.

A course graded on a real PostgreSQL gradebook (tests/postgres.py), a hub
database beside it, both backed up with the course folder; then the folder is
deleted and both databases dropped, as when a server is lost; restore.sh puts
them back.  The gradebook's scores, the report's tables, the certificates and
the hub's rows must be what they were.
"""

import hashlib
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
import pytest
from course_factory import QUIZZES, ROSTER, answers_for, book_file, run, set_up_certificates

from canhgiac.tools import BIN, tool_env

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "deploy" / "server"
# Who hands in what (few, as grading is slow): one passes, two do not, the others hand in nothing.
PLANS = {"CB001": ("all", "all"), "CB002": (None, "partly"), "CB003": (None, "none")}


def script_env(server) -> dict[str, str]:
    """The scripts' environment: this PostgreSQL's client tools first on PATH, the course package's Python."""
    env = tool_env()
    env["PATH"] = f"{server.bin}{os.pathsep}{env['PATH']}"
    env["CANHGIAC_PYTHON"] = str(BIN / "python")
    for name in ("CANHGIAC_COURSE", "CANHGIAC_HUB_DB_URL", "PGPASSFILE"):
        env.pop(name, None)
    return env


def sql(url: str, query: str, params=()) -> list[tuple]:
    connection = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def scores(course: Path) -> dict[tuple[str, str], float]:
    """Each learner's score for each quiz, from nbgrader's gradebook."""
    from canhgiac.course import Course

    found = {}
    with Course(course).gradebook() as gradebook:
        for quiz in QUIZZES:
            for submission in gradebook.assignment_submissions(quiz):
                found[(submission.student_id, quiz)] = submission.score
    return found


def folder_digest(folder: Path, suffixes: tuple[str, ...]) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in suffixes
    }


def state(course: Path, hub_url: str, out: Path) -> dict:
    """What a trainer and the hub see: scores, the report's tables, who has a certificate, the hub's users."""
    run("canhgiac", "report", "--out", str(out / "bao-cao"), "--course", str(course))
    run("canhgiac", "certificates", "--out", str(out / "chung-nhan"), "--course", str(course))
    return {
        "scores": scores(course),
        "report": folder_digest(out / "bao-cao", (".csv",)),
        "certificates": sorted(p.name for p in (out / "chung-nhan").glob("*.pdf")),
        "hub": sql(hub_url, "SELECT id, name, admin FROM users ORDER BY id"),
    }


@pytest.fixture(scope="module")
def graded(postgres_server, tmp_path_factory):
    """A course on a PostgreSQL gradebook with four learners' attempts graded, and a hub database."""
    base = tmp_path_factory.mktemp("backup")
    course = base / "khoa-hoc"
    gradebook_url = postgres_server.create_database("backup_gradebook")
    hub_url = postgres_server.create_database("backup_hub")
    run("canhgiac", "assign", "--course", str(course))
    for folder in (course / "source").iterdir():
        if folder.name not in QUIZZES:
            shutil.rmtree(folder)
    config = course / "nbgrader_config.py"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\nc = get_config()  # noqa: F821\nc.CourseDirectory.db_url = "{gradebook_url}"\n',
        encoding="utf-8",
    )
    set_up_certificates(course)
    for quiz in QUIZZES:
        run("nbgrader", "generate_assignment", quiz, cwd=course)
    roster = base / "danh-sach.csv"
    lines = ["Mã,Họ và tên,Cơ quan,Xã,Email", *(",".join([*row, ""]) for row in ROSTER)]
    roster.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    run("canhgiac", "roster", "import", str(roster), "--course", str(course))

    inbox = base / "hop-thu"
    inbox.mkdir()
    when = datetime.now(UTC) - timedelta(hours=1)
    for learner, plans in PLANS.items():
        for quiz, plan in zip(QUIZZES, plans, strict=True):
            if plan:
                answers, _ = answers_for(plan, quiz)
                (inbox / f"{learner}_{quiz}.json").write_text(
                    book_file(learner, quiz, answers, when), encoding="utf-8"
                )
    run("canhgiac", "collect", *sorted(str(p) for p in inbox.iterdir()), "--course", str(course))
    run("canhgiac", "grade", "--course", str(course))

    # The hub's database: JupyterHub's own tables are not installed here, so a
    # stand-in `users` table with the columns the test compares.
    sql(
        hub_url,
        "CREATE TABLE users (id serial PRIMARY KEY, name text UNIQUE NOT NULL, admin boolean NOT NULL)",
    )
    for name, admin in (("cb001", False), ("cb002", False), ("can-bo-1", True)):
        sql(hub_url, "INSERT INTO users (name, admin) VALUES (%s, %s)", (name, admin))
    return {"base": base, "course": course, "gradebook": gradebook_url, "hub": hub_url}


def backup(graded, env, out: Path) -> Path:
    result = subprocess.run(
        [
            str(SCRIPTS / "backup.sh"),
            "--course",
            str(graded["course"]),
            "--hub-db",
            graded["hub"],
            "--out",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


def restore(folder: Path, graded, env, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(SCRIPTS / "restore.sh"),
            str(folder),
            "--course",
            str(graded["course"]),
            "--hub-db",
            graded["hub"],
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_back_up_destroy_restore_gives_the_same_results(graded, postgres_server):
    """After back up, deleting the course folder and dropping both databases, then restore: same scores, report, certificates, hub?"""
    env = script_env(postgres_server)
    before = state(graded["course"], graded["hub"], graded["base"] / "before")
    assert len(before["scores"]) == sum(1 for plans in PLANS.values() for p in plans if p)
    assert before["certificates"] and before["report"] and len(before["hub"]) == 3

    saved = backup(graded, env, graded["base"] / "backups")
    assert {p.name for p in saved.iterdir()} == {
        "MANIFEST",
        "SHA256SUMS",
        "course.tar.gz",
        "gradebook.dump",
        "hub.dump",
    }
    assert saved.stat().st_mode & 0o077 == 0, "the backup is readable by others"

    shutil.rmtree(graded["course"])
    for url in (graded["gradebook"], graded["hub"]):
        name = url.rsplit("/", 1)[1]
        sql(postgres_server.url(), f'DROP DATABASE "{name}" WITH (FORCE)')
    assert not sql(postgres_server.url(), "SELECT datname FROM pg_database WHERE datname LIKE 'backup_%%'")

    result = restore(saved, graded, env)
    assert result.returncode == 0, result.stdout + result.stderr
    after = state(graded["course"], graded["hub"], graded["base"] / "after")
    assert after == before


def test_restore_refuses_a_damaged_backup_and_a_course_in_the_way(graded, postgres_server):
    """Does restore.sh write nothing when a file of the backup is damaged, or when the course folder is not empty?"""
    env = script_env(postgres_server)
    saved = backup(graded, env, graded["base"] / "backups-2")
    marker = graded["course"] / "still-here"
    marker.write_text("x", encoding="utf-8")

    result = restore(saved, graded, env)
    assert result.returncode != 0 and "not empty" in result.stderr
    assert marker.exists()

    damaged = graded["base"] / "damaged"
    shutil.copytree(saved, damaged)
    dump = damaged / "gradebook.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    result = restore(damaged, graded, env, "--replace")
    assert result.returncode != 0 and "damaged" in result.stderr
    assert marker.exists(), "a damaged backup moved the course aside"


def test_old_backups_are_pruned(graded, postgres_server, tmp_path):
    """Does backup.sh keep only the newest --keep backups?"""
    env = script_env(postgres_server)
    out = tmp_path / "backups"
    for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        (out / stamp).mkdir(parents=True)
    result = subprocess.run(
        [str(SCRIPTS / "backup.sh"), "--course", str(graded["course"]), "--out", str(out), "--keep", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    kept = sorted(p.name for p in out.iterdir())
    assert len(kept) == 2 and kept[0] == "20260103T000000Z" and kept[1] > kept[0]
