"""Hub accounts from the roster (canhgiac.hub.accounts) and the roster's "Vai trò" column, without a running hub."""

import os
import pwd
from pathlib import Path

import bcrypt
import pytest
from nativeauthenticator.orm import UserInfo
from sqlalchemy import select

from canhgiac.course import Course
from canhgiac.course.learners import LEARNER, TRAINER
from canhgiac.hub.accounts import (
    create_accounts,
    hub_db_url,
    must_change_password,
    open_hub_db,
    password_changed,
    write_accounts_csv,
)
from canhgiac.roster import RosterError, import_roster, load_learners


def roster(path: Path, rows: list[str]) -> Path:
    path.write_text("Mã,Họ và tên,Cơ quan,Xã,Email,Vai trò\n" + "\n".join(rows) + "\n", encoding="utf-8-sig")
    return path


@pytest.fixture
def course(tmp_path) -> Course:
    course = Course(tmp_path / "course")
    import_roster(
        course,
        roster(
            tmp_path / "ds.csv",
            [
                "LS-0001,Nguyễn Thị Lan,UBND xã Đình Lập,Đình Lập,,",
                "LS-0002,Hoàng Văn Minh,Công an xã,Thái Bình,,Học viên",
                "GV-01,Trần Thị Huấn,Sở Nội vụ,,,Cán bộ phụ trách",
            ],
        ),
    )
    return course


def test_the_role_column_marks_trainers(course):
    """Is "cán bộ phụ trách" (any case, with or without diacritics) a trainer, and an empty role a learner?"""
    roles = {ident: entry.role for ident, entry in load_learners(course).items()}
    assert roles == {"LS-0001": LEARNER, "LS-0002": LEARNER, "GV-01": TRAINER}


def test_an_unknown_role_is_refused_with_its_row(tmp_path, course):
    """Is a role that is neither value refused, naming the row, with nothing imported?"""
    with pytest.raises(RosterError, match="dòng 2: vai trò 'quản trị' không rõ"):
        import_roster(course, roster(tmp_path / "sai.csv", ["LS-0009,Lý Thị Ửng,UBND,,,quản trị"]))
    assert "LS-0009" not in load_learners(course)


def test_accounts_are_made_once_with_passwords_that_must_change(tmp_path, course):
    """Does every roster person get an account (lower-case user name, bcrypt hash of the password in the
    file, flagged to change it), a second run make none, and the flag go when the password changes?"""
    made = create_accounts(course)
    assert sorted(a.username for a in made) == ["gv-01", "ls-0001", "ls-0002"]
    out = write_accounts_csv(made, tmp_path / "tk.csv")
    assert out.stat().st_mode & 0o077 == 0  # the passwords: their owner only
    text = out.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    lines = text.decode("utf-8-sig").splitlines()
    assert lines[0] == "Mã,Họ và tên,Cơ quan,Mật khẩu ban đầu"
    assert lines[1].startswith("GV-01,Trần Thị Huấn,Sở Nội vụ,")
    assert create_accounts(course) == []
    session = open_hub_db(hub_db_url(course))
    try:
        for account in made:
            info = session.scalars(select(UserInfo).where(UserInfo.username == account.username)).one()
            assert info.is_authorized and bcrypt.checkpw(account.password.encode(), info.password)
            assert must_change_password(session, account.username)
        password_changed(session, "ls-0001")
        assert not must_change_password(session, "ls-0001")
        assert must_change_password(session, "ls-0002")
    finally:
        session.close()


def _hub_user(session, name: str):
    from jupyterhub import orm

    user = orm.User(name=name)
    session.add(user)
    session.commit()
    return user


def test_the_roster_takes_trainer_rights_and_sign_in_away(tmp_path, course):
    """A trainer demoted to "học viên" in the roster: out of the hub's trainers group, their course-service
    tokens gone, still able to sign in?  A person no longer in the roster: may not sign in, hub cookies and
    tokens void?  Back in the roster: may sign in again?"""
    from jupyterhub import orm

    from canhgiac.hub.accounts import sync_roster
    from canhgiac.roster.store import learner_table

    create_accounts(course)
    session = open_hub_db(hub_db_url(course))
    try:  # what the running hub made: users, the group from load_groups, a token of the service's OAuth
        for client in ("jupyterhub", "service-khoa-hoc"):
            session.add(orm.OAuthClient(identifier=client, secret="", redirect_uri="/"))
        trainer, learner = _hub_user(session, "gv-01"), _hub_user(session, "ls-0002")
        group = orm.Group(name="can-bo-phu-trach")
        group.users.append(trainer)
        session.add(group)
        session.commit()
        for user in (trainer, learner):
            orm.APIToken.new(user=user, scopes=[], client_id="service-khoa-hoc")
            orm.APIToken.new(user=user, scopes=[], client_id="jupyterhub")
        learner_cookie = learner.cookie_id
    finally:
        session.close()

    assert sync_roster(course) == type(sync_roster(course))(
        [], [], []
    )  # the roster as the hub has it: nothing

    import_roster(course, roster(tmp_path / "ha.csv", ["GV-01,Trần Thị Huấn,Sở Nội vụ,,,Học viên"]))
    with course.gradebook() as gradebook:  # LS-0002 leaves the roster (no command does it: by hand)
        gradebook.db.execute(learner_table.delete().where(learner_table.c.id == "LS-0002"))
        gradebook.db.commit()
    synced = sync_roster(course)
    assert (synced.demoted, synced.removed, synced.restored) == (["gv-01"], ["ls-0002"], [])

    session = open_hub_db(hub_db_url(course))
    try:
        assert session.query(orm.Group).filter_by(name="can-bo-phu-trach").one().users == []
        tokens = {
            (t.user.name, t.client_id)
            for t in session.query(orm.APIToken).filter(orm.APIToken.user_id.isnot(None))
        }
        assert tokens == {
            ("gv-01", "jupyterhub")
        }  # the demoted trainer keeps the hub session, not the service's
        assert session.query(orm.User).filter_by(name="ls-0002").one().cookie_id != learner_cookie
        infos = {i.username: i.is_authorized for i in session.scalars(select(UserInfo))}
        assert infos == {"gv-01": True, "ls-0001": True, "ls-0002": False}
    finally:
        session.close()

    import_roster(course, roster(tmp_path / "lai.csv", ["LS-0002,Hoàng Văn Minh,Công an xã,Thái Bình,,"]))
    assert sync_roster(course).restored == ["ls-0002"]


@pytest.mark.slow  # four `canhgiac` processes
def test_accounts_go_where_the_hubs_own_configuration_says(tmp_path, course, monkeypatch):
    """Does `canhgiac hub accounts` write into the database of the operator's hub file ($CANHGIAC_HUB_CONFIG),
    and does a missing file stop it, and `hub run`, with a Vietnamese reason and exit code 2?"""
    import subprocess

    from canhgiac.tools import BIN, tool_env

    db = tmp_path / "hub-cua-tinh.sqlite"
    settings = tmp_path / "jupyterhub_config.py"
    settings.write_text(f"c = get_config()  # noqa\nc.JupyterHub.db_url = 'sqlite:///{db}'\n")
    out = tmp_path / "tk.csv"
    env = {**tool_env(), "CANHGIAC_HUB_CONFIG": str(settings)}
    env.pop("CANHGIAC_HUB_DB_URL", None)
    done = subprocess.run(
        [str(BIN / "canhgiac"), "hub", "accounts", "--course", str(course.root), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Đã tạo 3 tài khoản mới" in done.stdout
    session = open_hub_db(f"sqlite:///{db}")
    try:
        assert sorted(session.scalars(select(UserInfo.username))) == ["gv-01", "ls-0001", "ls-0002"]
    finally:
        session.close()
    assert not (course.root / "hub" / "jupyterhub.sqlite").exists()

    env["CANHGIAC_HUB_CONFIG"] = str(tmp_path / "khong-co.py")
    for command in (["accounts", "--out", str(tmp_path / "x.csv")], ["run", "--port", "9"]):
        done = subprocess.run(
            [str(BIN / "canhgiac"), "hub", *command, "--course", str(course.root)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert (
            "Lỗi dữ liệu" in done.stderr
            and "khong-co.py: tệp thiết lập JupyterHub này không có" in done.stderr
        )


@pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root: the hub on a server runs as root, the course as its user"
)
def test_the_hub_folder_belongs_to_the_course_owner_and_secrets_stay_private(tmp_path, course):
    """When root (the hub on a server) makes `<course>/hub`, may the course's own user (the service, the
    graders) write its state there, while the accounts file and the hub's database stay unreadable to it?"""
    import shutil
    import tempfile

    user = "nobody"
    uid, gid = pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid
    place = Path(tempfile.mkdtemp(prefix="canhgiac-hub-owner-"))  # pytest's folders are root's only
    try:
        place.chmod(0o755)
        course = Course(shutil.copytree(course.root, place / "course"))
        for folder, _dirs, files in os.walk(course.root):
            os.chown(folder, uid, gid)
            for name in files:
                os.chown(os.path.join(folder, name), uid, gid)
        _hub_folder_as_root(course, user, uid)
    finally:
        shutil.rmtree(place)


def _hub_folder_as_root(course: Course, user: str, uid: int) -> None:
    import subprocess

    from canhgiac.hub.accounts import ensure_hub_folder

    folder = ensure_hub_folder(course)
    made = create_accounts(course)  # root: the hub's database, 0600
    csv_file = write_accounts_csv(made, folder / "tai-khoan.csv")
    assert folder.stat().st_uid == uid and folder.stat().st_mode & 0o777 == 0o700
    as_user = ["runuser", "-u", user, "--"]
    subprocess.run([*as_user, "mkdir", "-p", str(folder / "khoa-hoc" / "bao-cao")], check=True)
    subprocess.run([*as_user, "touch", str(folder / "chung-nhan.pdf")], check=True)
    for private in (csv_file, folder / "jupyterhub.sqlite"):
        assert private.stat().st_mode & 0o077 == 0
        assert subprocess.run([*as_user, "head", "-c1", str(private)], capture_output=True).returncode != 0


def test_a_start_makes_only_the_trainers_accounts_and_the_rest_in_the_background(course):
    """Does `hub run`'s start hash only the trainers' passwords (a roster of any size costs a comparison),
    with every learner's account made by its background thread, each password in the start's CSV file
    (0600) and matching its hash, and a second start make none?"""
    import csv

    from canhgiac.hub.run import Accounts

    first = Accounts(course)
    first.prepare()
    session = open_hub_db(hub_db_url(course))
    try:
        assert sorted(session.scalars(select(UserInfo.username))) == ["gv-01"]
    finally:
        session.close()
    first.start_background()
    first.thread.join()  # (Ctrl+C would stop it between two batches: the rest at the next start)
    first.stop()
    assert first.error is None and first.file.out.stat().st_mode & 0o077 == 0
    with first.file.out.open(encoding="utf-8-sig") as stream:
        passwords = {row["Mã"]: row["Mật khẩu ban đầu"] for row in csv.DictReader(stream)}
    assert sorted(passwords) == ["GV-01", "LS-0001", "LS-0002"]
    session = open_hub_db(hub_db_url(course))
    try:
        for info in session.scalars(select(UserInfo)):
            assert bcrypt.checkpw(passwords[info.username.upper()].encode(), info.password)
    finally:
        session.close()
    again = Accounts(course)
    assert again.prepare() and again.file is None  # nothing made, nothing written
    again.start_background()
    again.stop()
    assert again.file is None


def test_a_password_is_checked_off_the_hubs_event_loop():
    """While a learner's password is checked (bcrypt, about a quarter of a second), does the hub's
    event loop go on answering others, and is the answer still right?"""
    import asyncio
    import threading
    from types import SimpleNamespace

    from canhgiac.hub.auth import password_matches

    info = SimpleNamespace(password=bcrypt.hashpw(b"mat-khau-moi-1", bcrypt.gensalt(12)))

    async def check() -> tuple[bool, bool, int]:
        ticks = 0

        async def other_requests():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.005)
                ticks += 1

        beside = asyncio.create_task(other_requests())
        right = await password_matches(info, "mat-khau-moi-1")
        wrong = await password_matches(info, "mat-khau-sai")
        beside.cancel()
        return right, wrong, ticks

    def in_a_thread_of_its_own(coroutine):
        # Browser tests earlier in the session leave an event loop running in this thread.
        answer = {}
        thread = threading.Thread(target=lambda: answer.update(value=asyncio.run(coroutine)))
        thread.start()
        thread.join()
        return answer["value"]

    right, wrong, ticks = in_a_thread_of_its_own(check())
    assert right and not wrong
    assert ticks >= 10, f"the event loop stood still while bcrypt ran ({ticks} ticks)"
    assert in_a_thread_of_its_own(password_matches(SimpleNamespace(password=b"not-a-hash"), "x")) is False
