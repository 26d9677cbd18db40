"""The hub's authenticator: jupyterhub-nativeauthenticator, in Vietnamese, with the initial password changed first.

NativeAuthenticator keeps user names and bcrypt hashes in the hub's database;
`canhgiac hub accounts` creates the accounts from the roster (canhgiac.hub.accounts),
so sign-up is off.  What this subclass adds:

- the login page in Vietnamese (templates/canhgiac-login.html);
- an account still on its initial password (listed in canhgiac_initial_password)
  is not let in until its owner has chosen a new one: the login form, given the
  right initial password, asks for the new password (twice) and signs the learner
  in only once it is stored; a password that is too short, too common or the
  same as the initial one is refused with the reason;
- the page to change one's password later (/hub/change-password), in Vietnamese;
- bcrypt (about a quarter of a second per password at nativeauthenticator's cost)
  runs in a thread, not on the hub's event loop: at a first sign-in a learner's
  password is checked, the new one hashed and checked again, and on the loop
  that blocked every other request to the hub while a province signs in.
"""

import asyncio
import os

import bcrypt
from jupyterhub.handlers import BaseHandler
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import LoginHandler as NativeLoginHandler
from tornado import web
from tornado.escape import url_escape
from traitlets import default

from canhgiac.hub.accounts import must_change_password, password_changed

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")
WRONG = "Sai tên đăng nhập hoặc mật khẩu."


async def password_matches(info, password: str) -> bool:
    """nativeauthenticator's UserInfo.is_valid_password, with bcrypt in a thread.

    The stored hash is read here, on the hub's thread: the ORM session is not thread-safe.
    """
    stored = info.password
    if not stored:
        return False
    if isinstance(stored, str):
        stored = stored.encode()
    try:
        return await asyncio.to_thread(bcrypt.checkpw, password.encode(), stored)
    except ValueError:  # not a bcrypt hash: no password matches it
        return False


def _weak(authenticator) -> str:
    return (
        f"Mật khẩu mới cần ít nhất {authenticator.minimum_password_length} ký tự "
        "và không phải mật khẩu quá phổ biến."
    )


class LoginHandler(NativeLoginHandler):
    """/hub/login: sign in; on the initial password, choose a new one first."""

    def _render(self, login_error=None, username=None, change=False):
        return self.render_template(
            "canhgiac-login.html",
            next=url_escape(self.get_argument("next", default="")),
            username=username or "",
            login_error=login_error,
            login_url=self.settings["login_url"],
            change=change,
            minimum_password_length=self.authenticator.minimum_password_length,
        )

    async def post(self):
        data = {arg: self.get_argument(arg, strip=False) for arg in self.request.arguments}
        authenticator = self.authenticator
        username = authenticator.normalize_username(data.get("username", "").strip())
        password = data.get("password", "")
        info = authenticator.get_user(username) if username else None
        if (
            info is not None
            and info.is_authorized
            and must_change_password(self.db, username)
            and not authenticator.is_blocked(username)
        ):
            if not await password_matches(info, password):
                authenticator.add_login_attempt(username)
                self.finish(await self._render(WRONG, username))
                return
            new = data.get("new_password", "")
            error = None
            if not new:
                error = ""
            elif new != data.get("new_password_confirmation", ""):
                error = "Hai lần nhập mật khẩu mới không khớp nhau. Hãy nhập lại."
            elif new == password:
                error = "Mật khẩu mới phải khác mật khẩu ban đầu."
            elif not await authenticator.change_password_off_loop(username, new):
                error = _weak(authenticator)
            if error is not None:
                self.finish(await self._render(error or None, username, change=True))
                return
            password_changed(self.db, username)
            data["password"] = new
        data["username"] = username
        user = await self.login_user(data)
        if user:
            self._jupyterhub_user = user
            self.redirect(self.get_next_url(user))
            return
        self.finish(await self._render(WRONG, data.get("username")))


class ChangePasswordHandler(BaseHandler):
    """/hub/change-password: a signed-in user changes their own password."""

    @web.authenticated
    async def get(self):
        user = await self.get_current_user()
        self.finish(await self.render_template("canhgiac-change-password.html", user_name=user.name))

    @web.authenticated
    async def post(self):
        user = await self.get_current_user()
        old = self.get_body_argument("old_password", "", strip=False)
        new = self.get_body_argument("new_password", "", strip=False)
        confirmation = self.get_body_argument("new_password_confirmation", "", strip=False)
        info = self.authenticator.get_user(user.name)
        ok = False
        if info is None or not await password_matches(info, old):
            message = "Mật khẩu hiện tại không đúng. Hãy thử lại."
        elif new != confirmation:
            message = "Hai lần nhập mật khẩu mới không khớp nhau. Hãy nhập lại."
        elif not await self.authenticator.change_password_off_loop(user.name, new):
            message = _weak(self.authenticator)
        else:
            password_changed(self.db, user.name)
            ok, message = True, "Đã đổi mật khẩu."
        html = await self.render_template(
            "canhgiac-change-password.html", user_name=user.name, result_message=message, ok=ok
        )
        self.finish(html)


class CourseAuthenticator(NativeAuthenticator):
    """NativeAuthenticator with accounts from the roster, in Vietnamese, initial passwords changed at first sign-in."""

    @default("enable_signup")
    def _no_signup(self):
        return False  # accounts come from the roster (canhgiac hub accounts)

    @default("minimum_password_length")
    def _minimum(self):
        return 8

    @default("allowed_failed_logins")
    def _failed(self):
        return 10

    @default("seconds_before_next_try")
    def _wait(self):
        return 60

    async def authenticate(self, handler, data):
        """NativeAuthenticator.authenticate, with the password checked off the event loop."""
        username = self.normalize_username(data["username"])
        user = self.get_user(username)
        if not user:
            return None
        if self.allowed_failed_logins and self.is_blocked(username):
            return None
        valid = await password_matches(user, data["password"])
        if user.has_2fa:
            valid = valid and user.is_valid_token(data.get("2fa"))
        if user.is_authorized and valid:
            self.successful_login(username)
            return username
        self.add_login_attempt(username)
        return None

    async def change_password_off_loop(self, username: str, new_password: str) -> bool:
        """NativeAuthenticator.change_password (same checks, same hash), with bcrypt in a thread.

        The synchronous change_password stays as it is for nativeauthenticator's own handlers.
        """
        user = self.get_user(username)
        if user is None or not self.is_password_strong(new_password):
            return False
        hashed = await asyncio.to_thread(bcrypt.hashpw, new_password.encode(), bcrypt.gensalt())
        user.password = hashed
        self.db.commit()
        return True

    def get_handlers(self, app):
        handlers = dict(super().get_handlers(app))
        handlers[r"/login"] = LoginHandler
        handlers[r"/change-password"] = ChangePasswordHandler
        return list(handlers.items())
