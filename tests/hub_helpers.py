"""A real hosted course for the tests: `canhgiac hub run` (JupyterHub, its proxy, the course service,
a grader) on 127.0.0.1 at free ports, started by a test module and stopped at its end."""

import csv
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests
from course_factory import set_up_certificates

from canhgiac.tools import BIN, tool_env

SERVICE = "/services/khoa-hoc/"
TRAINER = ("GV001", "Trần Thị Huấn", "Sở Nội vụ")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Hub:
    url: str
    course: Path
    passwords: dict[str, str]  # initial passwords by learner ID, from `canhgiac hub accounts`
    accounts_file: Path
    process: subprocess.Popen
    log: Path
    book: Path | None = None
    stop_seconds: float | None = None

    def service(self, path: str = "") -> str:
        return urljoin(self.url, SERVICE + path)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def add_trainer(course: Path, folder: Path, trainer: tuple[str, ...] = TRAINER) -> None:
    """The roster gets a trainer (ID, name, agency[, commune]) through `canhgiac roster import`."""
    ident, name, agency, *rest = trainer
    roster = folder / "can-bo.csv"
    roster.write_text(
        "Mã,Họ và tên,Cơ quan,Xã,Email,Vai trò\n"
        + ",".join([ident, name, agency, rest[0] if rest else "", "", "cán bộ phụ trách"])
        + "\n"
    )
    subprocess.run(
        [str(BIN / "canhgiac"), "roster", "import", str(roster), "--course", str(course)],
        check=True,
        capture_output=True,
        env=tool_env(),
    )


def start_hub(course: Path, book: Path, folder: Path, trainer: tuple[str, ...] = TRAINER) -> Hub:
    """`canhgiac hub accounts` for the course (with `trainer` added), then `canhgiac hub run`, healthy.

    The one way the tests (tests/test_hub.py, tests/test_deploy_server.py) start the hosted course."""
    add_trainer(course, folder, trainer)
    set_up_certificates(course)
    accounts = folder / "tai-khoan.csv"
    subprocess.run(
        [str(BIN / "canhgiac"), "hub", "accounts", "--course", str(course), "--out", str(accounts)],
        check=True,
        capture_output=True,
        env=tool_env(),
    )
    with accounts.open(encoding="utf-8-sig") as stream:
        passwords = {row["Mã"]: row["Mật khẩu ban đầu"] for row in csv.DictReader(stream)}
    port = free_port()
    log = folder / "hub.log"
    process = subprocess.Popen(
        [
            str(BIN / "canhgiac"),
            "hub",
            "run",
            "--course",
            str(course),
            "--port",
            str(port),
            "--book",
            str(book),
        ],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=tool_env(),
        start_new_session=True,  # its own group: the test stops it as Ctrl+C would, and nothing else
    )
    hub = Hub(f"http://127.0.0.1:{port}", course, passwords, accounts, process, log)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"canhgiac hub run ended:\n{hub.log_text()[-4000:]}")
        try:
            if requests.get(hub.service("health"), timeout=5).status_code == 200:
                return hub
        except requests.RequestException:
            pass
        time.sleep(0.5)
    stop_hub(hub)
    raise AssertionError(f"the hosted course did not start in 180 s:\n{hub.log_text()[-4000:]}")


def stop_hub(hub: Hub, within: float = 60.0) -> int:
    """Ctrl+C to `canhgiac hub run`; its exit code once it and everything it started have ended.

    Everything: every process under it when Ctrl+C came (hub, proxy, service, graders, learners'
    servers, even those the hub started in sessions of their own) must be gone when it returns, and
    it must return within `within` seconds (it takes a few; the margin is for a loaded CI machine).
    """
    import psutil

    parts = psutil.Process(hub.process.pid).children(recursive=True)
    started = time.monotonic()
    hub.process.send_signal(signal.SIGINT)
    try:
        code = hub.process.wait(180)
    except subprocess.TimeoutExpired:
        os.killpg(hub.process.pid, signal.SIGKILL)
        hub.process.wait()
        raise AssertionError("canhgiac hub run did not stop within 180 s of Ctrl+C") from None
    hub.stop_seconds = time.monotonic() - started
    left = []
    for process in parts:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(process)
        except psutil.NoSuchProcess:
            pass
    names = []
    for process in left:
        try:
            names.append(" ".join(process.cmdline()[:4]))
            process.kill()
        except psutil.NoSuchProcess:
            pass
    assert not names, f"still running after hub run stopped: {names}"
    assert hub.stop_seconds < within, (
        f"hub run took {hub.stop_seconds:.0f} s to stop:\n{hub.log_text()[-3000:]}"
    )
    return code


def sign_in(hub: Hub, learner: str, password: str, new_password: str | None = None) -> requests.Session:
    """Sign in through the hub's login form (and its first-sign-in form), then into the course service."""
    session = requests.Session()
    page = session.get(hub.service(), timeout=30)
    assert "/hub/login" in page.url, page.url
    form = {"username": learner, "password": password, "_xsrf": session.cookies.get("_xsrf", path="/hub/")}
    answer = session.post(page.url, data=form, timeout=30)
    if new_password:
        form.update(new_password=new_password, new_password_confirmation=new_password)
        answer = session.post(page.url, data=form, timeout=60)
    assert answer.url.startswith(hub.service()), (
        f"not signed in: {answer.url}\n{answer.content.decode()[:2000]}"
    )
    return session


def api_headers(session: requests.Session) -> dict[str, str]:
    """What the book's script sends: the service's XSRF token, and a fetch's Sec-Fetch-Mode."""
    return {"X-XSRFToken": session.cookies.get("_xsrf", path=SERVICE), "Sec-Fetch-Mode": "cors"}


def attempt_folders(course: Path, learner: str) -> list[Path]:
    """Every stored attempt of a learner (submitted/, pending/, attempts/)."""
    found = []
    for place in ("submitted", "pending", "attempts"):
        base = course / place / learner
        if base.is_dir():
            found += [p for p in base.rglob("timestamp.txt")]
    return found
