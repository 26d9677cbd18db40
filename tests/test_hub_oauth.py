"""A province's single sign-on: the GenericOAuthenticator settings of the operator's guide in a real JupyterHub.

The settings are read from the guide itself (book/phu-luc/van-hanh.md, its `generic-oauth` block), with the
example hosts replaced by 127.0.0.1, loaded through $CANHGIAC_HUB_CONFIG after the course's own configuration
exactly as on a server, into a real JupyterHub (with its proxy) and OAuthenticator.  The province's sign-in
portal is a small OAuth 2.0 provider written here (authorize, token, userinfo), on 127.0.0.1.

Exercised: the documented settings load; the login page is Vietnamese with its one sign-in button; a real
authorization-code sign-in (state cookie, code exchange with the client secret from OAUTH_CLIENT_SECRET,
userinfo, `preferred_username` as the hub user name) ends signed in as the learner.  Not exercised: TLS to the
portal, OpenID Connect ID tokens and their signature (the guide's settings do not use them), a real portal.
"""

import json
import re
import secrets
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from hub_helpers import free_port

from canhgiac.course import Course
from canhgiac.roster import import_roster
from canhgiac.tools import BIN, tool_env

pytestmark = pytest.mark.slow  # real JupyterHub / service processes

GUIDE = Path(__file__).resolve().parents[1] / "book" / "phu-luc" / "van-hanh.md"
CLIENT_ID, CLIENT_SECRET = "khoa-hoc-canh-giac", secrets.token_hex(16)


def documented_settings() -> str:
    """The guide's GenericOAuthenticator block, as an operator copies it."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    found = [block for block in blocks if "generic-oauth" in block]
    assert len(found) == 1, "the guide has one GenericOAuthenticator block"
    return found[0]


class Portal(BaseHTTPRequestHandler):
    """The province's sign-in portal: every sign-in is the learner LS-0001 (who would have typed a password)."""

    codes: dict[str, str] = {}
    tokens: dict[str, str] = {}
    exchanges: list[dict] = []

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/oauth2/authorize":
            if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                return self._json(400, {"error": "invalid_request"})
            code = secrets.token_hex(8)
            self.codes[code] = query["redirect_uri"]
            self.send_response(302)
            self.send_header(
                "Location", f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
            )
            self.end_headers()
        elif url.path == "/oauth2/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.tokens:
                return self._json(401, {"error": "invalid_token"})
            self._json(
                200, {"sub": "1001", "preferred_username": self.tokens[token], "name": "Nguyễn Thị Lan"}
            )
        else:
            self._json(404, {})

    def do_POST(self):  # noqa: N802
        form = {
            k: v[0]
            for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()
        }
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            import base64

            form["client_id"], _, form["client_secret"] = base64.b64decode(auth[6:]).decode().partition(":")
        self.exchanges.append(form)
        if (
            form.get("client_secret") != CLIENT_SECRET
            or form.get("code") not in self.codes
            or form.get("redirect_uri") != self.codes.pop(form["code"])
        ):
            return self._json(400, {"error": "invalid_grant"})
        token = secrets.token_hex(16)
        self.tokens[token] = "LS-0001"
        self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 600})

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def oauth_hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oauth")
    roster = folder / "ds.csv"
    roster.write_text("Mã,Họ và tên,Cơ quan,Xã,Email\nLS-0001,Nguyễn Thị Lan,UBND xã Đình Lập,Đình Lập,\n")
    course = folder / "course"
    import_roster(Course(course), roster)
    portal = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=portal.serve_forever, daemon=True).start()
    port = free_port()
    settings = folder / "jupyterhub_config.py"
    settings.write_text(
        "c = get_config()  # noqa\n"
        + documented_settings()
        .replace("https://sso.example.gov.vn", f"http://127.0.0.1:{portal.server_address[1]}")
        .replace("https://khoahoc.example.gov.vn", f"http://127.0.0.1:{port}"),
        encoding="utf-8",
    )
    env = {
        **tool_env(),
        "CANHGIAC_COURSE": str(course),
        "CANHGIAC_HUB_PORT": str(port),
        "CANHGIAC_HUB_API_PORT": str(free_port()),
        "CANHGIAC_PROXY_API_PORT": str(free_port()),
        "CANHGIAC_SERVICE_PORT": str(free_port()),
        "CANHGIAC_SERVICE_EXTERNAL": "1",  # the course service is not needed to sign in
        "CANHGIAC_SERVICE_API_TOKEN": secrets.token_hex(32),
        "CANHGIAC_HUB_CONFIG": str(settings),
        "OAUTH_CLIENT_ID": CLIENT_ID,  # /etc/canhgiac/secrets.env, as the guide says
        "OAUTH_CLIENT_SECRET": CLIENT_SECRET,
    }
    log = folder / "hub.log"
    config = Path(__import__("canhgiac.hub.config", fromlist=["CONFIG_FILE"]).CONFIG_FILE)
    process = subprocess.Popen(
        [str(BIN / "jupyterhub"), "-f", str(config)],
        cwd=folder,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            try:
                if requests.get(url + "/hub/health", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        yield url, log
    finally:
        process.terminate()
        process.wait(60)
        portal.shutdown()


def test_the_login_page_is_vietnamese_with_the_portals_button(oauth_hub):
    """With the guide's settings, does the hub's login page say, in Vietnamese, to sign in with the province's
    portal, with one button to it and no English sign-in text?"""
    url, log = oauth_hub
    page = requests.get(url + "/hub/login", timeout=30)
    assert page.status_code == 200, log.read_text()[-2000:]
    text = page.content.decode("utf-8")  # the page says so in its <meta charset>, not in its header
    button = re.search(r'<a role="button"[^>]*href="(/hub/oauth_login[^"]*)">([^<]*)</a>', text)
    assert button and button.group(2) == "Đăng nhập bằng Cổng đăng nhập một lần của tỉnh", text[-3000:]
    assert "Sign in" not in text and "GenericOAuthenticator" in log.read_text()


def test_a_learner_signs_in_through_the_portal(oauth_hub):
    """Does the portal's button lead through a real authorization-code exchange (the client secret from
    OAUTH_CLIENT_SECRET) to the hub, signed in as the learner whose `preferred_username` is their roster ID?"""
    url, log = oauth_hub
    session = requests.Session()
    answer = session.get(url + "/hub/oauth_login", timeout=30)  # to the portal, which sends back a code
    assert any("code=" in step.headers.get("Location", "") for step in answer.history), answer.url
    assert Portal.exchanges and Portal.exchanges[-1]["client_secret"] == CLIENT_SECRET
    who = session.get(url + "/hub/api/user", headers={"Referer": url + "/hub/"}, timeout=30)
    home = session.get(url + "/hub/home", timeout=30)
    assert home.status_code == 200 and "/hub/login" not in home.url, (home.url, log.read_text()[-3000:])
    assert "ls-0001" in home.text or (who.ok and who.json()["name"] == "ls-0001"), log.read_text()[-3000:]
