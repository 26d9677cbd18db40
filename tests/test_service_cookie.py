"""The course service's cookie secret (CANHGIAC_COOKIE_SECRET): replicas of `canhgiac hub service` that share it
accept each other's sign-in cookie, as a learner's next request may reach any of them (deploy/kubernetes: 3 replicas).

Real service processes and JupyterHub's own HubOAuth; the hub's API (`GET /hub/api/user`, which HubOAuth asks
who a token belongs to) is a stand-in on 127.0.0.1 here, so no hub has to start for it."""

import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from tornado.web import create_signed_value

from canhgiac.course import Course
from canhgiac.roster import import_roster
from canhgiac.tools import BIN, tool_env

pytestmark = pytest.mark.slow  # real JupyterHub / service processes

TOKEN = "learner-token-ls-0001"
SHARED = "ab" * 32
OTHER = "cd" * 32


class HubApi(BaseHTTPRequestHandler):
    """The hub's `GET /hub/api/user`: the learner LS-0001's model for their token, 403 for any other."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path.startswith("/hub/api/user") and self.headers.get("Authorization") == f"token {TOKEN}":
            body = json.dumps(
                {
                    "kind": "user",
                    "name": "ls-0001",
                    "admin": False,
                    "groups": [],
                    "scopes": ["access:services!service=khoa-hoc"],
                    "session_id": None,
                }
            ).encode()
            self.send_response(200)
        else:
            body = b'{"status": 403}'
            self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def hub_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), HubApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hub/api"
    server.shutdown()


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cookie")
    roster = folder / "ds.csv"
    roster.write_text("Mã,Họ và tên,Cơ quan,Xã,Email\nLS-0001,Nguyễn Thị Lan,UBND xã Đình Lập,Đình Lập,\n")
    import_roster(Course(folder / "course"), roster)
    book = folder / "book"
    book.mkdir()
    (book / "index.html").write_text("<!doctype html><title>Sách</title>", encoding="utf-8")
    return folder / "course", book


def start_service(course: Path, book: Path, api_url: str, secret: str | None):
    port = free_port()
    env = {
        **tool_env(),
        "JUPYTERHUB_API_URL": api_url,
        "JUPYTERHUB_API_TOKEN": "service-token",
        "JUPYTERHUB_SERVICE_NAME": "khoa-hoc",
        "JUPYTERHUB_CLIENT_ID": "service-khoa-hoc",
        "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}",
        "JUPYTERHUB_SERVICE_PREFIX": "/services/khoa-hoc/",
        "JUPYTERHUB_BASE_URL": "/",
        "JUPYTERHUB_OAUTH_CALLBACK_URL": "/services/khoa-hoc/oauth_callback",
    }
    env.pop("CANHGIAC_COOKIE_SECRET", None)
    if secret is not None:
        env["CANHGIAC_COOKIE_SECRET"] = secret
    process = subprocess.Popen(
        [str(BIN / "canhgiac"), "hub", "service", "--course", str(course), "--book", str(book)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/services/khoa-hoc/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url + "health", timeout=5).status_code == 200:
                return process, url
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    raise AssertionError(f"the service did not start:\n{process.communicate()[0][-3000:]}")


def test_replicas_with_one_secret_accept_each_others_sign_in(course, hub_api):
    """Is the sign-in cookie one replica sets (the hub token, signed with the shared secret) accepted by
    another replica with the same CANHGIAC_COOKIE_SECRET, and refused by one with another secret?"""
    root, book = course
    # What the replica that finished the OAuth sign-in set (tornado's set_secure_cookie, HubOAuth's name).
    cookie = create_signed_value(bytes.fromhex(SHARED), "service-khoa-hoc", TOKEN).decode()
    started = [start_service(root, book, hub_api, secret) for secret in (SHARED, SHARED, OTHER)]
    try:
        answers = [
            requests.get(
                url + "api/me", cookies={"service-khoa-hoc": cookie}, allow_redirects=False, timeout=30
            )
            for _, url in started
        ]
        for answer in answers[:2]:
            assert answer.status_code == 200, answer.text
            assert answer.json()["learner"] == "LS-0001"
        assert answers[2].status_code != 200 and "LS-0001" not in answers[2].text
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(30)


def test_a_secret_that_is_not_hex_stops_the_service_with_a_reason():
    """Is a CANHGIAC_COOKIE_SECRET that is not 32 bytes of hex refused before the port opens (exit 2, Vietnamese)?"""
    env = {
        **tool_env(),
        "CANHGIAC_COOKIE_SECRET": "mat-khau-de-doan",
        "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:9",
    }
    done = subprocess.run(
        [str(BIN / "canhgiac"), "hub", "service", "--course", os.devnull],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "CANHGIAC_COOKIE_SECRET phải là một chuỗi thập lục phân" in done.stderr
