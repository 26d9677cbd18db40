"""Hub accounts from the roster (canhgiac.hub.accounts) and the roster's "Vai trò" column, without a running hub."""

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
