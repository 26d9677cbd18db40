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
# A learner of no other test: the hub's own pages and their JupyterLab on a phone (test_hub.py,
# test_hub_book_only.py).
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


def add_learners(course: Path, folder: Path, learners: tuple[tuple[str, ...], ...]) -> None:
    """More learners (ID, name, agency) into the roster through `canhgiac roster import`."""
    roster = folder / "hoc-vien-them.csv"
    roster.write_text(
        "Mã,Họ và tên,Cơ quan,Xã,Email,Vai trò\n"
        + "".join(",".join([*learner[:3], "", "", "học viên"]) + "\n" for learner in learners)
    )
    subprocess.run(
        [str(BIN / "canhgiac"), "roster", "import", str(roster), "--course", str(course)],
        check=True,
        capture_output=True,
        env=tool_env(),
    )


def read_accounts(path: Path) -> dict[str, str]:
    """Initial passwords by learner ID, from the CSV of `canhgiac hub accounts`."""
    with path.open(encoding="utf-8-sig") as stream:
        return {row["Mã"]: row["Mật khẩu ban đầu"] for row in csv.DictReader(stream)}


def make_accounts(course: Path, out: Path) -> dict[str, str]:
    subprocess.run(
        [str(BIN / "canhgiac"), "hub", "accounts", "--course", str(course), "--out", str(out)],
        check=True,
        capture_output=True,
        env=tool_env(),
    )
    return read_accounts(out)


def launch_hub_run(
    course: Path, book: Path, port: int, log: Path, hub_config: Path | None = None
) -> subprocess.Popen:
    """`canhgiac hub run --course --port --book` in a process group of its own, its output in `log`;
    with an operator's `jupyterhub_config.py` (CANHGIAC_HUB_CONFIG) when given."""
    return subprocess.Popen(
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
        start_new_session=True,  # its own group: stopped as Ctrl+C would stop it, and nothing else
    )


# JupyterHub's and its proxy's routine lines: left out of a failure's excerpt, where they would push
# out what the course's own parts (service, graders) said.
ROUTINE = re.compile(r"^\[I \d{4}-|^\S+Z \[ConfigProxy\] .*info")


def log_excerpt(log: Path, lines: int = 60) -> str:
    """What a failing test shows of `hub run`'s log: its last `lines` lines that are not routine."""
    said = [line for line in log.read_text(errors="replace").splitlines() if not ROUTINE.search(line)]
    return "\n".join(said[-lines:])


def wait_until_healthy(process: subprocess.Popen, url: str, log: Path, seconds: float = 180) -> None:
    """Until the course service answers `health` 200 through the hub's proxy at `url`; AssertionError if
    `hub run` ends or `seconds` pass first (then it is stopped)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"canhgiac hub run ended:\n{log_excerpt(log)}")
        try:
            if requests.get(urljoin(url, SERVICE + "health"), timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    stop_hub_run(process, log, within=180)
    raise AssertionError(f"the hosted course did not start in {seconds:.0f} s:\n{log_excerpt(log)}")


def stop_hub_run(process: subprocess.Popen, log: Path, within: float = 60.0) -> tuple[int, float]:
    """Ctrl+C to `canhgiac hub run`; its exit code and the seconds it took, once it and everything it
    started have ended.

    Everything: every process under it when Ctrl+C came (hub, proxy, service, graders, learners'
    servers, even those the hub started in sessions of their own) must be gone when it returns, and
    it must return within `within` seconds (it takes a few; the margin is for a loaded CI machine).
    """
    import psutil

    try:
        parts = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        parts = []
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(180)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise AssertionError("canhgiac hub run did not stop within 180 s of Ctrl+C") from None
    seconds = time.monotonic() - started
    names = []
    for part in parts:
        try:
            if part.is_running() and part.status() != psutil.STATUS_ZOMBIE:
                names.append(" ".join(part.cmdline()[:4]))
                part.kill()
        except psutil.NoSuchProcess:
            pass
    assert not names, f"still running after hub run stopped: {names}"
    assert seconds < within, f"hub run took {seconds:.0f} s to stop:\n{log_excerpt(log)}"
    return code, seconds


def start_hub(
    course: Path,
    book: Path,
    folder: Path,
    trainer: tuple[str, ...] = TRAINER,
    hub_config: Path | None = None,
    learners: tuple[tuple[str, ...], ...] = (),
) -> Hub:
    """`canhgiac hub accounts` for the course (with `trainer` and `learners` added), then `canhgiac hub
    run`, healthy.

    The one way the tests (tests/test_hub.py, tests/test_deploy_server.py) and benchmarks/hosted.py
    start the hosted course (the benchmark uses its parts: launch_hub_run, wait_until_healthy, stop_hub_run)."""
    add_trainer(course, folder, trainer)
    if learners:
        add_learners(course, folder, learners)
    set_up_certificates(course)
    accounts = folder / "tai-khoan.csv"
    passwords = make_accounts(course, accounts)
    port = free_port()
    log = folder / "hub.log"
    process = launch_hub_run(course, book, port, log, hub_config)
    hub = Hub(f"http://127.0.0.1:{port}", course, passwords, accounts, process, log)
    wait_until_healthy(process, hub.url, log)
    return hub


def stop_hub(hub: Hub, within: float = 60.0) -> int:
    """Ctrl+C to `canhgiac hub run` (stop_hub_run); its exit code."""
    code, hub.stop_seconds = stop_hub_run(hub.process, hub.log, within)
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
