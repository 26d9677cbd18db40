"""`canhgiac hub run --course DIR [--port N]`: the hosted course on this machine, in the foreground.

Starts JupyterHub (which starts its proxy and the course service `khoa-hoc`)
and the graders, each as its own process, and stops them all on Ctrl+C or
SIGTERM: the hub's state is in its database, every attempt is a folder of the
course and a grading in progress is let go and done again at the next start,
so nothing is lost.

Before starting, the roster gets a first trainer when it has none
(`canbo01`), and every roster person without a hub account gets one
(canhgiac.hub.accounts); the new initial passwords are written to a CSV file in
the hub's folder (readable by its owner only) and the first trainer's is printed.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from canhgiac.course import Course
from canhgiac.hub.accounts import create_accounts, hub_folder, write_accounts_csv

CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")
FIRST_TRAINER = ("canbo01", "Cán bộ phụ trách thứ nhất")


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


def prepare(course: Course) -> list[str]:
    """The first trainer and the accounts; lines to tell the operator."""
    lines = []
    trainer = ensure_trainer(course)
    accounts = create_accounts(course)
    if accounts:
        out = hub_folder(course) / f"tai-khoan-{datetime.now():%Y%m%d-%H%M%S}.csv"
        write_accounts_csv(accounts, out)
        lines.append(f"Đã tạo {len(accounts)} tài khoản mới; mật khẩu ban đầu trong {out}")
    first = next((a for a in accounts if a.learner.id == FIRST_TRAINER[0]), None)
    if first is not None:
        lines.append(
            f"Cán bộ phụ trách đầu tiên: tên đăng nhập {first.username}, "
            f"mật khẩu ban đầu {first.password} (đổi ở lần đăng nhập đầu)"
        )
    elif trainer is None and not accounts:
        lines.append(
            "Các tài khoản đã có từ lần chạy trước; mật khẩu ban đầu nằm trong các tệp "
            f"{hub_folder(course)}/tai-khoan-*.csv (cán bộ phụ trách đầu tiên: {FIRST_TRAINER[0]})."
        )
    return lines


def hub_environment(course: Course, port: int, book: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        CANHGIAC_COURSE=str(course.root),
        CANHGIAC_HUB_PORT=str(port),
        CANHGIAC_HUB_API_PORT=str(free_port()),
        CANHGIAC_PROXY_API_PORT=str(free_port()),
        CANHGIAC_SERVICE_PORT=str(free_port()),
    )
    if book:
        env["CANHGIAC_BOOK"] = str(book)
    # The venv's tools (nbgrader calls `jupyter`, `alembic` by name).
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def start(course: Course, port: int, book: Path | None = None, graders: int = 1) -> list[subprocess.Popen]:
    """The hub (with proxy and service) and the graders, started; their processes."""
    env = hub_environment(course, port, book)
    state = hub_folder(course)
    state.mkdir(parents=True, exist_ok=True)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG_FILE)],
            cwd=state,
            env=env,
        )
    ]
    for _ in range(graders):
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "canhgiac.cli", "hub", "graders", "--course", str(course.root)],
                cwd=course.root,
                env=env,
            )
        )
    return processes


def _stop_orphan_proxy(state: Path) -> None:
    """The proxy of a hub that ended without stopping it (a failed start): JupyterHub left its pid file."""
    pid_file = state / "jupyterhub-proxy.pid"
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if b"configurable-http-proxy" in cmdline:
        os.kill(pid, signal.SIGTERM)
    pid_file.unlink(missing_ok=True)


def stop(processes: list[subprocess.Popen], timeout: float = 20.0, state: Path | None = None) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if state is not None:
        _stop_orphan_proxy(state)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run(course: Course, port: int, book: Path | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop: as Ctrl+C
    for line in prepare(course):
        print(line, flush=True)
    print(f"Khóa học trực tuyến: http://127.0.0.1:{port}/  (Ctrl+C để dừng)", flush=True)
    processes = start(course, port, book)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        ended = next(p for p in processes if p.poll() is not None)
        print(
            f"Một tiến trình đã dừng ({' '.join(map(str, ended.args[:3]))}...); dừng các phần còn lại.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("\nĐang dừng khóa học trực tuyến...", file=sys.stderr)
        return 0
    finally:
        stop(processes, state=hub_folder(course))
