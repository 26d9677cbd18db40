"""Hub accounts from the roster: `canhgiac hub accounts --course DIR --out FILE`.

Every roster person without an account gets one in the hub's own database,
the table of the authenticator the hub runs (jupyterhub-nativeauthenticator's
`users_info`: user name and bcrypt hash), with a random initial password.
The user name is the learner ID in lower case, as JupyterHub normalizes names
(a learner may type LS-0001 or ls-0001).  Each new account is also listed in
`canhgiac_initial_password`: the hub's login page (canhgiac.hub.auth) asks for
a new password before it lets such an account in, and then removes the row.

The passwords go once into FILE (CSV, UTF-8 with BOM for Excel): the hub keeps
only their hashes.  Nothing is written for a person who already has an account.
"""

import csv
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import bcrypt
from sqlalchemy import Column, DateTime, MetaData, String, Table, select

from canhgiac.course import Course
from canhgiac.datafile import DataError
from canhgiac.roster import Learner, load_learners

# Letters and digits that cannot be misread on paper (no 0/O, 1/l/I).
ALPHABET = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789"
PASSWORD_LENGTH = 10
# bcrypt's cost for the initial passwords: a province's roster is tens of thousands of
# people (cost 12, nativeauthenticator's own, takes ~0.25 s each); each initial password
# is random (~56 bits) and replaced at first sign-in, where the authenticator hashes the
# learner's own password at its own cost.
INITIAL_COST = 10
HUB_FOLDER = "hub"
CSV_HEADER = ("Mã", "Họ và tên", "Cơ quan", "Mật khẩu ban đầu")

hub_metadata = MetaData()
initial_password = Table(
    "canhgiac_initial_password",
    hub_metadata,
    Column("username", String(255), primary_key=True),
    Column("created_at", DateTime, nullable=False),
)


class AccountsError(DataError):
    """The accounts could not be created; the message says why."""


def hub_folder(course: Course) -> Path:
    """Where the hub of a course keeps its state by default (database, cookie secret): inside the course."""
    return course.root / HUB_FOLDER


def hub_db_url(course: Course) -> str:
    """The hub's database: $CANHGIAC_HUB_DB_URL (an operator's PostgreSQL), else SQLite in the course."""
    return os.environ.get("CANHGIAC_HUB_DB_URL") or f"sqlite:///{hub_folder(course) / 'jupyterhub.sqlite'}"


def hub_username(learner_id: str) -> str:
    """The hub user name of a learner: JupyterHub's normalized form (lower case)."""
    return learner_id.lower()


def new_password() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(PASSWORD_LENGTH))


@dataclass(frozen=True)
class NewAccount:
    learner: Learner
    username: str
    password: str


def open_hub_db(db_url: str):
    """A session on the hub's database with JupyterHub's tables, the authenticator's and ours."""
    from jupyterhub import orm
    from nativeauthenticator.orm import UserInfo  # noqa: F401  (its table is on JupyterHub's metadata)

    if db_url.startswith("sqlite:///"):
        Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    session = orm.new_session_factory(db_url)()  # creates and stamps JupyterHub's schema when new
    hub_metadata.create_all(session.get_bind())
    return session


def create_accounts(
    course: Course, db_url: str | None = None, only: set[str] | None = None
) -> list[NewAccount]:
    """An account for each roster person (of `only`, if given) without one; their initial passwords."""
    from nativeauthenticator.orm import UserInfo

    learners = load_learners(course)
    if not learners:
        raise AccountsError(
            f"{course.root}: khóa học chưa có học viên. Hãy nhập danh sách trước: "
            f"canhgiac roster import TỆP --course {course.root}"
        )
    session = open_hub_db(db_url or hub_db_url(course))
    try:
        existing = set(session.scalars(select(UserInfo.username)))
        created = []
        now = datetime.now(UTC).replace(tzinfo=None)
        for learner in sorted(learners.values(), key=lambda entry: entry.id):
            username = hub_username(learner.id)
            if username in existing or (only is not None and learner.id not in only):
                continue
            password = new_password()
            hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=INITIAL_COST))
            session.add(UserInfo(username=username, password=hashed, is_authorized=True))
            session.execute(initial_password.insert().values(username=username, created_at=now))
            created.append(NewAccount(learner, username, password))
        session.commit()  # every account, or none
        return created
    finally:
        session.close()


def write_accounts_csv(accounts: list[NewAccount], out: Path) -> Path:
    """The new accounts with their initial passwords, for trainers to hand out (readable by its owner only)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(CSV_HEADER)
        for account in accounts:
            writer.writerow(
                (account.learner.id, account.learner.full_name, account.learner.agency, account.password)
            )
    return out


def must_change_password(session, username: str) -> bool:
    return (
        session.execute(select(initial_password).where(initial_password.c.username == username)).first()
        is not None
    )


def password_changed(session, username: str) -> None:
    session.execute(initial_password.delete().where(initial_password.c.username == username))
    session.commit()
