"""`canhgiac hub run --course DIR [--port N]`: the hosted course on this machine, in the foreground.

What it starts, in this order, each as its own process:

1. the course service `khoa-hoc` (`canhgiac hub service`), registered in the hub as an
   external service with an API token kept in the hub's folder, exactly as on a server
   (deploy/server); the hub is started only once the service's port answers, so that a
   busy machine never makes JupyterHub give up on it ("Cannot connect to ... service");
2. JupyterHub, which starts its proxy (configurable-http-proxy) and the learners' servers;
3. the graders.

Ctrl+C or SIGTERM stops them all within seconds: the hub first (it stops the learners'
servers, each given a few seconds to shut its kernels, and its proxy), the service and the
graders at the same time; whatever is left after that (a proxy whose hub died, a
learner's server still stopping, a grader's worker) is ended by this process, which is a
"child subreaper" (Linux): every process started under it, even by the hub in a session of
its own, comes back to it when its parent ends.  Nothing is lost: the hub's state is in its
database, every attempt is a folder of the course, and a grading in progress is let go and
done again at the next start (its lease in the gradebook's queue).

While it runs, the service or a grader that ends by itself is started again after a pause
that doubles each time (1, 2, 4, 8, 16 s), and the log says how it ended (its exit code or
the signal); one that keeps ending (RESTARTS_IN_WINDOW times in RESTART_WINDOW_SECONDS), or
the hub ending, stops everything with that reason.

Before starting, the roster gets a first trainer when it has none (`canbo01`); the hub's
database is brought in line with the roster (canhgiac.hub.accounts.sync_roster: demoted
trainers leave the trainers' group, people no longer in the roster may not sign in); the
trainers without an account get one at once, and everyone else without one gets theirs
in the background while the hub starts and runs, so that the start never waits for the
hashing of a large roster (a set comparison is all a start costs when accounts exist).
The new initial passwords are written to a CSV file in the hub's folder (0600, the owner of
the course folder's) and the first trainer's is printed.
"""

import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from canhgiac.course import Course
from canhgiac.errors import DataError
from canhgiac.hub.accounts import (
    AccountsFile,
    NewAccount,
    create_accounts,
    ensure_hub_folder,
    hub_db_url,
    private_file,
    sync_roster,
)
from canhgiac.hub.config import CONFIG_FILE, SERVICE, override_file

FIRST_TRAINER = ("canbo01", "Cán bộ phụ trách thứ nhất")
SERVICE_TOKEN_FILE = "khoa-hoc-api-token"
# How long each part may take to stop by itself before it is ended: the hub stops learners'
# servers (LearnerSpawner: 5 s to shut down their kernels, then SIGTERM, then SIGKILL).
HUB_STOP_SECONDS = 15.0
LEFTOVER_STOP_SECONDS = 3.0
SERVICE_PORT_WAIT = 180.0
# The service or a grader that ends by itself is started again, up to this many times in this many
# seconds; more often than that, a restart would not mend it, and everything stops with the reason.
RESTARTS_IN_WINDOW = 5
RESTART_WINDOW_SECONDS = 300.0
RESTART_PAUSE_SECONDS = 1.0  # before the first restart in the window; doubled for each next one
# Accounts made in the background: small batches, so that a stop never waits long for one.
BACKGROUND_BATCH = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_trainer(course: Course) -> str | None:
    """Add the first trainer to a roster that has no trainer; their ID, or None when one exists."""
    from canhgiac.course.learners import TRAINER
    from canhgiac.roster import import_roster, load_learners

    if any(entry.role == TRAINER for entry in load_learners(course).values()):
        return None
    ident, name = FIRST_TRAINER
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "can-bo.csv"
        path.write_text(
            f"Mã,Họ và tên,Cơ quan,Xã,Email,Vai trò\n{ident},{name},,,,{TRAINER}\n", encoding="utf-8"
        )
        import_roster(course, path)
    return ident


class Accounts:
    """The accounts of a start: the trainers' at once, everyone else's in a background thread."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.db_url = hub_db_url(course)
        self.file: AccountsFile | None = None
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def _file(self) -> AccountsFile:
        if self.file is None:
            folder = ensure_hub_folder(self.course)
            self.file = AccountsFile(folder / f"tai-khoan-{datetime.now():%Y%m%d-%H%M%S}.csv")
        return self.file

    def _write(self, accounts: list[NewAccount]) -> None:
        self._file().add(accounts)

    def prepare(self) -> list[str]:
        """The first trainer, the roster's removals and demotions, the trainers' accounts; lines to print."""
        from canhgiac.course.learners import TRAINER
        from canhgiac.roster import load_learners

        lines = []
        ensure_trainer(self.course)
        synced = sync_roster(self.course, self.db_url)
        if synced.demoted:
            lines.append(f"Không còn là cán bộ phụ trách theo danh sách: {', '.join(synced.demoted)}")
        if synced.removed:
            lines.append(f"Không còn trong danh sách, không đăng nhập được nữa: {', '.join(synced.removed)}")
        trainers = {ident for ident, entry in load_learners(self.course).items() if entry.role == TRAINER}
        made = create_accounts(self.course, self.db_url, only=trainers, on_batch=self._write)
        first = next((a for a in made if a.learner.id == FIRST_TRAINER[0]), None)
        if made:
            lines.append(
                f"Đã tạo {len(made)} tài khoản cán bộ phụ trách; mật khẩu ban đầu trong {self.file.out}"
            )
        if first is not None:
            lines.append(
                f"Cán bộ phụ trách đầu tiên: tên đăng nhập {first.username}, "
                f"mật khẩu ban đầu {first.password} (đổi ở lần đăng nhập đầu)"
            )
        elif not made:
            lines.append(
                "Các cán bộ phụ trách đã có tài khoản; mật khẩu ban đầu của mọi tài khoản đã tạo nằm trong các tệp "
                f"{ensure_hub_folder(self.course)}/tai-khoan-*.csv hoặc tệp của lệnh canhgiac hub accounts."
            )
        return lines

    def start_background(self) -> None:
        """Everyone else's accounts while the hub runs (one thread of hashing: the hub's start goes first)."""

        def work() -> None:
            try:
                made = create_accounts(
                    self.course,
                    self.db_url,
                    threads=max(1, (os.cpu_count() or 2) - 1),
                    batch=BACKGROUND_BATCH,
                    on_batch=self._write,
                    stop=self.stopping.is_set,
                )
            except (
                BaseException
            ) as error:  # told at the end; the hub keeps running for those who have accounts
                self.error = error
                return
            if made:
                print(
                    f"Đã tạo {len(made)} tài khoản mới; mật khẩu ban đầu trong {self.file.out}",
                    flush=True,
                )

        self.thread = threading.Thread(target=work, name="tai-khoan", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()  # the batch in progress is written down and committed (≤ BACKGROUND_BATCH)
        if self.file is not None:
            self.file.close()
        if self.error is not None:
            print(f"Chưa tạo được hết tài khoản: {self.error}", file=sys.stderr, flush=True)


def service_token(course: Course) -> str:
    """The course service's token for the hub: $CANHGIAC_SERVICE_API_TOKEN, else one kept in the hub's folder."""
    if os.environ.get("CANHGIAC_SERVICE_API_TOKEN"):
        return os.environ["CANHGIAC_SERVICE_API_TOKEN"]
    path = ensure_hub_folder(course) / SERVICE_TOKEN_FILE
    if not path.exists() or not path.read_text().strip():
        private_file(path).write_text(secrets.token_hex(32))
    return path.read_text().strip()


def hub_environment(course: Course, port: int, book: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CANHGIAC_COURSE=str(course.root),
        CANHGIAC_HUB_PORT=str(port),
        CANHGIAC_HUB_API_PORT=str(free_port()),
        CANHGIAC_PROXY_API_PORT=str(free_port()),
        CANHGIAC_SERVICE_PORT=str(free_port()),
        CANHGIAC_SERVICE_EXTERNAL="1",
        CANHGIAC_SERVICE_API_TOKEN=service_token(course),
    )
    if book:
        env["CANHGIAC_BOOK"] = str(book)
    # The venv's tools (nbgrader calls `jupyter`, `alembic` by name).
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def service_environment(hub_env: dict[str, str]) -> dict[str, str]:
    """What JupyterHub gives a service it starts (as deploy/server/canhgiac.env gives it on a server)."""
    env = {
        k: v for k, v in hub_env.items() if k not in ("CANHGIAC_SERVICE_API_TOKEN", "CONFIGPROXY_AUTH_TOKEN")
    }
    env.update(
        JUPYTERHUB_SERVICE_NAME=SERVICE,
        JUPYTERHUB_SERVICE_URL=f"http://127.0.0.1:{hub_env['CANHGIAC_SERVICE_PORT']}",
        JUPYTERHUB_SERVICE_PREFIX=f"/services/{SERVICE}/",
        JUPYTERHUB_BASE_URL="/",
        JUPYTERHUB_API_URL=f"http://127.0.0.1:{hub_env['CANHGIAC_HUB_API_PORT']}/hub/api",
        JUPYTERHUB_API_TOKEN=hub_env["CANHGIAC_SERVICE_API_TOKEN"],
        JUPYTERHUB_CLIENT_ID=f"service-{SERVICE}",
        JUPYTERHUB_OAUTH_CALLBACK_URL=f"/services/{SERVICE}/oauth_callback",
    )
    return env


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class Parts:
    """The processes of a start, stopped together; the service and the graders started again when
    one ends by itself (a supervisor's job, as systemd's Restart= does on a server)."""

    def __init__(self) -> None:
        self.hub: subprocess.Popen | None = None
        self.others: list[subprocess.Popen] = []
        self.how: dict[int, tuple[list[str], dict]] = {}  # pid -> the command and Popen arguments
        self.restarts: dict[str, list[float]] = {}  # part's name -> when it was started again
        self.due: list[tuple[float, list[str], dict]] = []  # restarts waiting for their pause to end

    @property
    def all(self) -> list[subprocess.Popen]:
        return [p for p in (self.hub, *self.others) if p is not None]

    def _launch(self, command: list[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(command, **kwargs)
        self.how[process.pid] = (command, kwargs)
        self.others.append(process)
        return process

    def start(self, course: Course, port: int, book: Path | None = None, graders: int = 1) -> bool:
        """Service, graders, then the hub; False when the service ended or never opened its port."""
        env = hub_environment(course, port, book)
        state = ensure_hub_folder(course)
        command = [sys.executable, "-m", "canhgiac.cli", "hub", "service", "--course", str(course.root)]
        if book:
            command += ["--book", str(book)]
        service = self._launch(command, cwd=course.root, env=service_environment(env))
        for _ in range(graders):
            self._launch(
                [sys.executable, "-m", "canhgiac.cli", "hub", "graders", "--course", str(course.root)],
                cwd=course.root,
                env=env,
            )
        # The hub after the service's port answers: JupyterHub checks its services once at start.
        deadline = time.monotonic() + SERVICE_PORT_WAIT
        while not _listening(int(env["CANHGIAC_SERVICE_PORT"])):
            if service.poll() is not None:
                print("Dịch vụ khóa học đã dừng khi đang khởi động; dừng các phần còn lại.", file=sys.stderr)
                return False
            if time.monotonic() > deadline:
                print(f"Dịch vụ khóa học chưa mở cổng sau {SERVICE_PORT_WAIT:.0f} giây.", file=sys.stderr)
                return False
            time.sleep(0.2)
        self.hub = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)], cwd=state, env=env
        )
        return True

    def restart(self, ended: subprocess.Popen) -> float | None:
        """Plan to start `ended` (the service or a grader) again; in how many seconds, or None when it
        is the hub or has ended too often lately (then a restart would not mend it: everything stops).

        The pause doubles with each restart in the window (1, 2, 4, 8, 16 s): a database restarting
        for half a minute is waited for, not met five times in a row."""
        if ended is self.hub or ended.pid not in self.how:
            return None
        command, kwargs = self.how.pop(ended.pid)
        self.others.remove(ended)
        name = part_name(command)
        now = time.monotonic()
        recent = [at for at in self.restarts.get(name, []) if now - at < RESTART_WINDOW_SECONDS]
        if len(recent) >= RESTARTS_IN_WINDOW:
            return None
        self.restarts[name] = [*recent, now]
        pause = RESTART_PAUSE_SECONDS * 2 ** len(recent)
        self.due.append((now + pause, command, kwargs))
        return pause

    def start_due(self) -> None:
        """Start what `restart` planned, once its pause is over (OSError: it could not be started)."""
        now = time.monotonic()
        for planned in [d for d in self.due if d[0] <= now]:
            self.due.remove(planned)
            self._launch(planned[1], **planned[2])

    @property
    def pids(self) -> frozenset[int]:
        return frozenset(p.pid for p in self.all)

    def ended(self) -> subprocess.Popen | None:
        return next((p for p in self.all if p.poll() is not None), None)

    def stop(self) -> None:
        """Every part, asked to stop; the hub first given time to stop the learners' servers; then the rest ended."""
        for process in self.all:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + HUB_STOP_SECONDS
        for process in self.all:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"{' '.join(map(str, process.args[:5]))} chưa dừng: kết thúc.", file=sys.stderr)
                process.kill()
                process.wait()
        end_leftovers()


# ----------------------------------------------------------------------------- leftovers (Linux)
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Orphans of what this process starts come back to it (not to init): it can end them all."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children(own: frozenset[int] = frozenset()) -> list[int]:
    """The living children of this process, from /proc; orphans that ended are reaped (not `own`:
    the processes it started itself, whose exit status their Popen reads)."""
    pid = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            if fields[0] == "Z":
                if int(entry.name) in own:
                    continue
                try:
                    os.waitpid(int(entry.name), os.WNOHANG)  # an orphan that ended: reaped
                except ChildProcessError:
                    pass
                continue
            found.append(int(entry.name))
    return found


def end_leftovers(timeout: float = LEFTOVER_STOP_SECONDS) -> list[int]:
    """End what is still running under this process (SIGTERM, then SIGKILL); their pids."""
    ended: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        deadline = time.monotonic() + timeout
        while (left := children()) and time.monotonic() < deadline:
            for pid in left:
                if pid not in ended:
                    ended.append(pid)
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            time.sleep(0.2)
        if not children():
            break
    return ended


def part_name(command) -> str:
    """A part of the hosted course by its command, in the operator's words."""
    words = [str(word) for word in command]
    if "graders" in words:
        return "Tiến trình chấm bài (canhgiac hub graders)"
    if "service" in words:
        return "Dịch vụ khóa học (canhgiac hub service)"
    if "jupyterhub" in words:
        return "JupyterHub"
    return " ".join(words[:5])


def exit_status(code: int) -> str:
    """How a part ended, as the operator reads it: its exit code, or the signal that ended it."""
    if code < 0:
        try:
            return f"bị dừng bởi tín hiệu {signal.Signals(-code).name}"
        except ValueError:
            return f"bị dừng bởi tín hiệu {-code}"
    return f"mã thoát {code}"


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def check_book(book: Path | None) -> None:
    from canhgiac.service.run import default_book

    index = (book or default_book()) / "index.html"
    if not index.is_file():
        raise DataError(f"{index.parent}: chưa có sách đã dựng (index.html). Hãy chạy make book trước.")


def run(course: Course, port: int, book: Path | None = None) -> int:
    # Ctrl+C, and a service manager's stop, as Ctrl+C (also when started with SIGINT ignored: `cmd &`, nohup).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    override_file()  # a mistyped $CANHGIAC_HUB_CONFIG: DataError (exit 2), nothing started
    book = book.resolve() if book else None  # the parts run in other folders
    check_book(book)
    become_subreaper()
    accounts = Accounts(course)
    for line in accounts.prepare():
        print(line, flush=True)
    print(f"Khóa học trực tuyến: http://127.0.0.1:{port}/  (Ctrl+C để dừng)", flush=True)
    parts = Parts()
    try:
        if not parts.start(course, port, book):
            return 1
        accounts.start_background()
        ticks = 0
        while True:
            ended = parts.ended()
            if ended is not None:
                name, status = part_name(ended.args), exit_status(ended.returncode)
                pause = parts.restart(ended)
                if pause is None:
                    print(f"{name} đã dừng ({status}); dừng các phần còn lại.", file=sys.stderr, flush=True)
                    return 1
                print(
                    f"{name} đã dừng ({status}); khởi động lại sau {pause:.0f} giây.",
                    file=sys.stderr,
                    flush=True,
                )
                continue
            try:
                parts.start_due()
            except OSError as exc:  # no process could be made (memory, process limit, folder gone)
                print(f"Không khởi động lại được một phần: {exc}; dừng các phần còn lại.", file=sys.stderr)
                return 1
            time.sleep(0.5)
            ticks += 1
            if ticks % 20 == 0:
                children(parts.pids)  # reaps orphans that ended (a learner's server whose hub restarted it)
    except KeyboardInterrupt:
        print("\nĐang dừng khóa học trực tuyến...", file=sys.stderr, flush=True)
        return 0
    finally:
        # Stopping is not interrupted by a second Ctrl+C (a terminal sends it to every part too).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        started = time.monotonic()
        accounts.stop()
        parts.stop()
        print(
            f"Đã dừng mọi phần của khóa học trực tuyến ({time.monotonic() - started:.1f} giây).",
            file=sys.stderr,
        )
