"""Hub accounts from the roster: `canhgiac hub accounts --course DIR --out FILE`.

Every roster person without an account gets one in the hub's own database,
the table of the authenticator the hub runs (jupyterhub-nativeauthenticator's
`users_info`: user name and bcrypt hash), with a random initial password.
The user name is the learner ID in lower case, as JupyterHub normalizes names
(a learner may type LS-0001 or ls-0001).  Each new account is also listed in
`canhgiac_initial_password`: the hub's login page (canhgiac.hub.auth) asks for
a new password before it lets such an account in, and then removes the row.

The passwords go once into FILE (CSV, UTF-8 with BOM for Excel, mode 0600): the
hub keeps only their hashes.  Nothing is written for a person who already has an
account: who needs one is a set comparison of the roster with the accounts, so a
start of the hub over a roster whose accounts exist costs no hashing at all.  The
hashes are made in threads (bcrypt lets go of the GIL) and stored in batches, each
batch's passwords written to FILE before the batch is committed.

The roster also decides the trainers' rights (`sync_roster`): a person no longer
"cán bộ phụ trách" in the roster leaves the hub group `can-bo-phu-trach`, and a
person no longer in the roster at all also may not sign in any more.

The hub's folder `<course>/hub/` (database, cookie secret, account files, the
service's and the graders' state) belongs to the owner of the course folder,
whoever creates it (`ensure_hub_folder`): on a server the hub runs as root and
the course service and the graders as the course's user, who must write there.
It is mode 0700 and the files with secrets or personal data in it are 0600.
"""

import csv
import os
import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
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
# Accounts stored per transaction: the hub (on SQLite) waits at most this long for its own writes.
BATCH = 200
HUB_FOLDER = "hub"
SERVICE_CLIENT = "service-khoa-hoc"  # the course service's OAuth client (canhgiac.hub.config.SERVICE)
TRAINERS_GROUP = "can-bo-phu-trach"
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


def ensure_hub_folder(course: Course) -> Path:
    """`<course>/hub/`, mode 0700, owned by the course folder's owner even when root makes it.

    The hub (root on a server) reaches it anyway; the course service and the graders, which run
    as the course's user, keep their state in it.  A folder left owned by root by an earlier
    version is handed back the same way (the folder only: files keep their owner and mode).
    """
    folder = hub_folder(course)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    owner = course.root.stat()
    here = folder.stat()
    if os.geteuid() == 0 and (here.st_uid, here.st_gid) != (owner.st_uid, owner.st_gid):
        os.chown(folder, owner.st_uid, owner.st_gid)
    if here.st_uid == os.geteuid() or os.geteuid() == 0:
        folder.chmod(0o700)
    return folder


def private_file(path: Path) -> Path:
    """An empty file only its owner may read (before SQLite or anything else writes into it)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)
    return path


def default_hub_db_url(course: Course) -> str:
    """The hub's database before an operator's file: $CANHGIAC_HUB_DB_URL (PostgreSQL), else SQLite in the course."""
    return os.environ.get("CANHGIAC_HUB_DB_URL") or f"sqlite:///{hub_folder(course) / 'jupyterhub.sqlite'}"


def hub_db_url(course: Course) -> str:
    """The database the course's hub uses: its configuration read as the hub reads it.

    `canhgiac hub accounts` and `canhgiac hub run` then write where the hub reads, with no
    setting of their own: the embedded default (SQLite in `<course>/hub/`), $CANHGIAC_HUB_DB_URL,
    or `c.JupyterHub.db_url` in the operator's file named by $CANHGIAC_HUB_CONFIG.  (A password is
    never in the URL: libpq reads it from PGPASSFILE / ~/.pgpass, as for the hub.)
    """
    if not os.environ.get("CANHGIAC_HUB_CONFIG"):
        return default_hub_db_url(course)
    from canhgiac.hub.config import load_hub_config

    return load_hub_config(course).JupyterHub.db_url


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
        path = Path(db_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        private_file(path)  # accounts and tokens: SQLite's journals take the database file's mode
    session = orm.new_session_factory(db_url)()  # creates and stamps JupyterHub's schema when new
    hub_metadata.create_all(session.get_bind())
    return session


def roster_learners(course: Course) -> dict[str, Learner]:
    learners = load_learners(course)
    if not learners:
        raise AccountsError(
            f"{course.root}: khóa học chưa có học viên. Hãy nhập danh sách trước: "
            f"canhgiac roster import TỆP --course {course.root}"
        )
    return learners


def missing_accounts(course: Course, session, only: set[str] | None = None) -> list[Learner]:
    """Roster people (of `only`, if given) without an account: one query and a set comparison."""
    from nativeauthenticator.orm import UserInfo

    existing = set(session.scalars(select(UserInfo.username)))
    return [
        learner
        for learner in sorted(roster_learners(course).values(), key=lambda entry: entry.id)
        if hub_username(learner.id) not in existing and (only is None or learner.id in only)
    ]


def _hashed(password: str) -> bytes:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=INITIAL_COST))


def create_accounts(
    course: Course,
    db_url: str | None = None,
    only: set[str] | None = None,
    *,
    threads: int | None = None,
    batch: int = BATCH,
    on_batch: Callable[[list[NewAccount]], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> list[NewAccount]:
    """An account for each roster person (of `only`, if given) without one; their initial passwords.

    In batches of `batch`: hashed in `threads` threads (default: every core), handed to `on_batch`
    (which writes them down) and then committed, so that a password never exists only in the
    database.  `stop()` true between batches ends early: the rest are made at the next run.
    """
    from nativeauthenticator.orm import UserInfo

    session = open_hub_db(db_url or hub_db_url(course))
    try:
        missing = missing_accounts(course, session, only)
        created: list[NewAccount] = []
        with ThreadPoolExecutor(threads or os.cpu_count() or 1) as pool:
            for first in range(0, len(missing), batch):
                if stop():
                    break
                accounts = [
                    NewAccount(learner, hub_username(learner.id), new_password())
                    for learner in missing[first : first + batch]
                ]
                hashes = list(pool.map(_hashed, (account.password for account in accounts)))
                if on_batch is not None:
                    on_batch(accounts)
                now = datetime.now(UTC).replace(tzinfo=None)
                for account, hashed in zip(accounts, hashes, strict=True):
                    session.add(UserInfo(username=account.username, password=hashed, is_authorized=True))
                    session.execute(
                        initial_password.insert().values(username=account.username, created_at=now)
                    )
                session.commit()  # the whole batch, or none of it
                created += accounts
        return created
    finally:
        session.close()


@dataclass(frozen=True)
class RosterSync:
    demoted: list[str]  # left the trainers' group: no longer "cán bộ phụ trách" in the roster
    removed: list[str]  # no longer in the roster: sign-in refused, sessions ended
    restored: list[str]  # back in the roster: may sign in again


def sync_roster(
    course: Course, db_url: str | None = None, trainers: Iterable[str] | None = None
) -> RosterSync:
    """The hub's database brought in line with the roster's removals and demotions.

    JupyterHub's `load_groups` (canhgiac.hub.config) only adds members at its start: here a hub user
    who is no longer a trainer in the roster leaves the group `can-bo-phu-trach` (and so its
    scope `custom:khoa-hoc:trainer`), and the course service's tokens of each person who lost
    rights are deleted, so that the service asks the hub again, which grants the new rights.  A
    person no longer in the roster at all may not sign in (their account is kept, unauthorized,
    with their attempts in the course: back in the roster, they sign in again with their
    password), and their hub sessions end (JupyterHub's cookie id renewed, their tokens deleted).
    """
    from jupyterhub import orm
    from nativeauthenticator.orm import UserInfo

    from canhgiac.course.learners import TRAINER

    roster = {hub_username(ident): entry for ident, entry in load_learners(course).items()}
    if trainers is None:
        trainers = (name for name, entry in roster.items() if entry.role == TRAINER)
    keep = set(trainers)
    session = open_hub_db(db_url or hub_db_url(course))
    try:
        lost_rights: set[str] = set()
        demoted = []
        group = session.query(orm.Group).filter_by(name=TRAINERS_GROUP).one_or_none()
        if group is not None:
            for user in list(group.users):
                if user.name not in keep:
                    group.users.remove(user)
                    demoted.append(user.name)
                    lost_rights.add(user.name)
        removed, restored = [], []
        for info in session.scalars(select(UserInfo)):
            if info.username not in roster and info.is_authorized:
                info.is_authorized = False
                removed.append(info.username)
                lost_rights.add(info.username)
            elif info.username in roster and not info.is_authorized:
                info.is_authorized = True
                restored.append(info.username)
        for name in lost_rights:
            user = session.query(orm.User).filter_by(name=name).one_or_none()
            if user is None:
                continue
            tokens = session.query(orm.APIToken).filter_by(user_id=user.id)
            if name in removed:
                user.cookie_id = orm.new_token()  # the hub's sign-in cookies of this person stop working
            else:
                tokens = tokens.filter_by(client_id=SERVICE_CLIENT)
            for token in tokens:
                session.delete(token)
        session.commit()
        return RosterSync(sorted(demoted), sorted(removed), sorted(restored))
    finally:
        session.close()


class AccountsFile:
    """The CSV of new accounts, written batch by batch (each flushed to disk before its commit), mode 0600."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.count = 0
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an older file of that name may have been readable by others
        self.stream = os.fdopen(fd, "w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.stream)
        self.writer.writerow(CSV_HEADER)
        self._sync()

    def _sync(self) -> None:
        self.stream.flush()
        os.fsync(self.stream.fileno())

    def add(self, accounts: list[NewAccount]) -> None:
        for account in accounts:
            self.writer.writerow(
                (account.learner.id, account.learner.full_name, account.learner.agency, account.password)
            )
        self.count += len(accounts)
        self._sync()

    def close(self) -> None:
        self.stream.close()


def write_accounts_csv(accounts: list[NewAccount], out: Path) -> Path:
    """The new accounts with their initial passwords, for trainers to hand out (readable by its owner only)."""
    file = AccountsFile(out)
    try:
        file.add(accounts)
    finally:
        file.close()
    return out


def must_change_password(session, username: str) -> bool:
    return (
        session.execute(select(initial_password).where(initial_password.c.username == username)).first()
        is not None
    )


def password_changed(session, username: str) -> None:
    session.execute(initial_password.delete().where(initial_password.c.username == username))
    session.commit()
