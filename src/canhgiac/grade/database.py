"""Several graders on one SQLite gradebook: wait for the lock instead of failing at once.

SQLite lets one connection write at a time.  Python's sqlite3 waits 5 s for a
lock, then nbgrader fails the submission with "database is locked".  Each
grading job holds the lock for milliseconds, but a slow disk or a busy machine
can make a queue of them: the graders wait up to a minute.  (SQLite may still
refuse at once when waiting could deadlock; `canhgiac grade` then grades that
submission again, which gives the same grades.)  PostgreSQL locks rows, and
needs none of this.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.pool import Pool

BUSY_TIMEOUT_MS = 60_000

_installed = False


def _set_busy_timeout(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def wait_for_sqlite_locks() -> None:
    """Make every SQLite connection this process opens (nbgrader's too) wait for locks."""
    global _installed
    if not _installed:
        event.listen(Pool, "connect", _set_busy_timeout)
        _installed = True


def is_lock_error(text: str) -> bool:
    """Did a grading fail only because the database was busy? Then grading again is safe."""
    return "database is locked" in text or "database table is locked" in text
