"""Our tables made by several processes at once on a new database, as `hub run` starts the course
service and a grader together, and as replicas start on Kubernetes.

`create_all` checks, then creates: two processes that both find a table missing both create it,
and one of them fails.  A grader that died of it at start was CI's first failure of test_hub.py.
"""

import multiprocessing
import traceback

import pytest
from sqlalchemy import create_engine, inspect

from canhgiac.course.tables import create_tables, metadata

PROCESSES = 8
ROUNDS = 4


def _create(url: str, barrier, errors) -> None:
    engine = create_engine(url, future=True)
    try:
        barrier.wait(30)  # every process at the same moment, on the same missing tables
        create_tables(engine)
    except Exception:
        errors.put(traceback.format_exc(limit=3))
    finally:
        engine.dispose()


def create_together(url: str) -> list[str]:
    """`create_tables` on `url` in PROCESSES processes at once; the errors they met."""
    context = multiprocessing.get_context("fork")  # quick to start; the children only open an engine
    barrier = context.Barrier(PROCESSES)
    errors = context.Queue()
    processes = [context.Process(target=_create, args=(url, barrier, errors)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    return found


def assert_all_tables(url: str) -> None:
    engine = create_engine(url)
    try:
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_processes_starting_together_on_a_new_sqlite_gradebook_all_start(tmp_path):
    """Do eight processes making our tables at the same moment on a new SQLite file all succeed,
    round after round, with every table there at the end?"""
    for round_ in range(ROUNDS):
        url = f"sqlite:///{tmp_path / f'gradebook-{round_}.db'}"
        assert create_together(url) == []
        assert_all_tables(url)


@pytest.mark.slow
def test_processes_starting_together_on_a_new_postgresql_gradebook_all_start(postgres_server):
    """Do eight processes making our tables at the same moment on a new PostgreSQL database all
    succeed (a duplicate type row there, not "already exists"), with every table there at the end?"""
    for round_ in range(ROUNDS):
        url = postgres_server.create_database(f"race_{round_}")
        assert create_together(url) == []
        assert_all_tables(url)
