"""The gradebook on a real PostgreSQL server (tests/postgres.py), chosen by nbgrader's own `db_url` setting.

The whole trainer flow runs on PostgreSQL in tests/test_trainer_flow.py; these
tests check the pieces it stands on, so that a failure there says where.
"""

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from canhgiac.course import Course
from canhgiac.course.tables import metadata, open_engine
from canhgiac.roster import import_roster, load_learners
from canhgiac.tools import BIN, tool_env

NBGRADER_TABLES = {
    "alembic_version",
    "assignment",
    "course",
    "grade",
    "grade_cells",
    "notebook",
    "student",
    "submitted_assignment",
    "submitted_notebook",
}


@pytest.fixture(scope="module")
def course(postgres_server, tmp_path_factory) -> Course:
    """One course on its own PostgreSQL database for the module."""
    return course_on(postgres_server.create_database("gb_course"), tmp_path_factory.mktemp("pg") / "course")


def course_on(url: str, folder: Path) -> Course:
    """A new course folder whose nbgrader_config.py selects the database `url`, as a trainer would write it."""
    subprocess.run(
        [str(BIN / "canhgiac"), "assign", "--course", str(folder)],
        check=True,
        capture_output=True,
        env=tool_env(),
    )
    config = folder / "nbgrader_config.py"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\nc = get_config()  # noqa: F821\nc.CourseDirectory.db_url = "{url}"\n',
        encoding="utf-8",
    )
    return Course(folder)


def test_nbgrader_and_our_tables_live_in_one_postgresql_database(course):
    """Does nbgrader's Gradebook create its tables and alembic version on PostgreSQL, and ours beside them?"""
    assert course.db_url.startswith("postgresql://")
    with course.gradebook() as gradebook:
        open_engine(course.db_url).dispose()
        gradebook.engine.dispose()
    engine = create_engine(course.db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    assert NBGRADER_TABLES <= tables
    assert set(metadata.tables) <= tables
    assert version  # nbgrader's head revision, so that its later upgrades know where to start
    assert not (course.root / "gradebook.db").exists(), "a SQLite gradebook was made beside PostgreSQL"


def test_assign_keeps_the_trainers_database_setting(course):
    """Does running `canhgiac assign` again keep the db_url a trainer added to nbgrader_config.py?"""
    url = course.db_url
    subprocess.run(
        [str(BIN / "canhgiac"), "assign", "--course", str(course.root)],
        check=True,
        capture_output=True,
        env=tool_env(),
    )
    assert url in (course.root / "nbgrader_config.py").read_text(encoding="utf-8")
    assert Course(course.root).db_url == url


def test_a_roster_on_postgresql_is_what_nbgrader_itself_reads(course, tmp_path):
    """Are learners imported on PostgreSQL, names with diacritics intact, listed by nbgrader's own command?"""
    roster = tmp_path / "danh-sach.csv"
    roster.write_text(
        "Mã,Họ và tên,Cơ quan,Xã,Email\n"
        "LS-001,Nguyễn Thị Lan,UBND xã Đình Lập,Đình Lập,\n"
        "LS-002,Hoàng Văn Đức,Công an xã Bắc Xa,Bắc Xa,duc@example.org\n",
        encoding="utf-8-sig",
    )
    result = import_roster(course, roster)
    assert (result.added, result.updated) == (2, 0)
    learners = load_learners(course)
    assert learners["LS-001"].full_name == "Nguyễn Thị Lan"
    assert learners["LS-002"].agency == "Công an xã Bắc Xa"

    listed = subprocess.run(
        [str(BIN / "nbgrader"), "db", "student", "list"],
        cwd=course.root,
        capture_output=True,
        text=True,
        env=tool_env(),
    )
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout + listed.stderr
    assert "LS-001" in out and "LS-002" in out and "Nguyễn" in out
    assert not (course.root / "gradebook.db").exists()
