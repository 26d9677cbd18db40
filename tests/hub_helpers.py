"""A real hosted course for the tests: `canhgiac hub run` (JupyterHub, its proxy, the course service,
a grader) on 127.0.0.1 at free ports, started by a test module and stopped at its end."""

import csv
import os
import re
import signal
import socket
import subprocess
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests
from course_factory import set_up_certificates

from canhgiac.tools import BIN, tool_env

SERVICE = "/services/khoa-hoc/"
TRAINER = ("GV001", "Trần Thị Huấn", "Sở Nội vụ")
# A learner of no other test: the hub's own pages and their JupyterLab on a phone (test_hub.py).
PHONE_LEARNER = ("CB009", "Lê Văn Minh", "UBND xã Đình Lập")


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

    def service(self, path: str = "") -> str:
        return urljoin(self.url, SERVICE + path)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def add_trainer(course: Path, folder: Path) -> None:
    """The trainer, and one more learner, into the course's roster."""
    roster = folder / "can-bo.csv"
    roster.write_text(
        "Mã,Họ và tên,Cơ quan,Xã,Email,Vai trò\n"
        + ",".join([*TRAINER, "", "", "cán bộ phụ trách"])
        + "\n"
        + ",".join([*PHONE_LEARNER, "", "", "học viên"])
        + "\n"
    )
    subprocess.run(
        [str(BIN / "canhgiac"), "roster", "import", str(roster), "--course", str(course)],
        check=True,
        capture_output=True,
        env=tool_env(),
    )


def start_hub(course: Path, book: Path, folder: Path, hub_config: Path | None = None) -> Hub:
    """`canhgiac hub run`, with an operator's `jupyterhub_config.py` (CANHGIAC_HUB_CONFIG) when given."""
    add_trainer(course, folder)
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
        env=tool_env({**os.environ, "CANHGIAC_HUB_CONFIG": str(hub_config)} if hub_config else None),
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


def stop_hub(hub: Hub) -> int:
    """Ctrl+C to `canhgiac hub run`; its exit code once it and everything it started have ended."""
    hub.process.send_signal(signal.SIGINT)
    try:
        code = hub.process.wait(180)
    except subprocess.TimeoutExpired:
        os.killpg(hub.process.pid, signal.SIGKILL)
        hub.process.wait()
        raise AssertionError("canhgiac hub run did not stop within 180 s of Ctrl+C") from None
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


# JupyterHub's English interface (5.5's templates and scripts): none of it may reach a learner.
ENGLISH_UI = [
    "Start My Server",
    "Stop My Server",
    "My Server",
    "Token",
    "Logout",
    "Login",
    "Home",
    "Services",
    "Admin",
    "Server not running",
    "Spawn failed",
    "Launch Server",
    "Relaunch",
    "Your server",
    "is starting up",
    "Event log",
    "Request new API token",
    "API Tokens",
    "Authorized Applications",
    "Note",
    "Never",
    "revoke",
    "Forbidden",
    "Not Found",
    "Jupyter has lots of moons",
    "Toggle navigation",
    "Toggle dark mode",
    "requires JavaScript",
    "You can try restarting",
]
# Every text a person meets: text nodes, and the labels, titles and placeholders of controls.
PAGE_WORDS = """() => {
  const words = [];
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent && !parent.closest("script, style")) words.push(walker.currentNode.data);
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], [alt], input[value]")) {
    for (const name of ["aria-label", "title", "placeholder", "alt"]) words.push(el.getAttribute(name) || "");
    if (el.matches("input[type=submit], input[type=button]")) words.push(el.value);
  }
  return words.join("\\n");
}"""


def assert_vietnamese(page, where: str) -> str:
    """The page is marked Vietnamese and holds none of JupyterHub's English interface; its words."""
    assert page.evaluate("document.documentElement.lang") == "vi", where
    words = page.evaluate(PAGE_WORDS)
    left = [w for w in ENGLISH_UI if re.search(rf"\b{re.escape(w)}\b", words)]
    assert not left, f"{where}: English left {left}"
    assert unicodedata.normalize("NFC", words) == words, f"{where}: text not in Unicode NFC"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{where}: wider than the screen"
    )
    return words


def first_sign_in(page, hub: Hub, learner: str, new_password: str, tap: bool = True) -> None:
    """The hub's login page (already open), then its first-sign-in form, as a learner fills them on a phone."""
    press = "tap" if tap else "click"
    page.get_by_label("Mã học viên (tên đăng nhập)").fill(learner)
    page.get_by_label("Mật khẩu:", exact=True).fill(hub.passwords[learner])
    getattr(page.get_by_role("button", name="Đăng nhập"), press)()
    page.get_by_label("Mật khẩu ban đầu:", exact=True).fill(hub.passwords[learner])
    page.get_by_label("Mật khẩu mới:", exact=True).fill(new_password)
    page.get_by_label("Nhập lại mật khẩu mới:", exact=True).fill(new_password)
    getattr(page.get_by_role("button", name="Đổi mật khẩu và vào học"), press)()
