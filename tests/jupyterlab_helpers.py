"""Helpers of tests/test_quiz_jupyterlab.py: a Jupyter server of its own, and a learner's keys.

The server runs the venv's `jupyter lab` (JupyterLab 4) or `jupyter notebook`
(Notebook 7, which nbgrader 0.9 installs) with its configuration, data, runtime
and home folders in a temporary folder, so that nothing of the machine's own
Jupyter set-up takes part (the venv's share/jupyter, with the ipywidgets
extension and the python3 kernel, is still found through sys.prefix).  It
listens on 127.0.0.1 with a random token and is shut down with its kernels.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from canhgiac.tools import (
    BIN,  # noqa: E402
    tool_env,
)

START_TIMEOUT = 60.0
# A kernel round trip (a click reaching the kernel and the progress line coming back).
KERNEL_MS = 20_000
KERNEL_NAME = "Python 3 (ipykernel)"
# Where each application opens a notebook.
NOTEBOOK_URLS = {"lab": "lab/tree", "notebook": "notebooks"}

# No news, no update check: JupyterLab would ask, in a pop-up over the notebook,
# and then fetch them from the Internet.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


@dataclass
class Lab:
    """A running JupyterLab or Notebook 7 (`app`: "lab" or "notebook"): where it listens and what it writes."""

    app: str
    url: str
    token: str
    root: Path
    runtime: Path
    log: Path
    process: subprocess.Popen

    def open_url(self, path: str) -> str:
        return f"{self.url}/{NOTEBOOK_URLS[self.app]}/{path}?token={self.token}"

    def api(self, path: str, method: str = "GET") -> dict:
        request = urllib.request.Request(
            f"{self.url}/api/{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
        return json.loads(body) if body else {}

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab_env(base: Path) -> dict[str, str]:
    """The environment of the server: the venv's bin first, Jupyter's and the home folders in `base`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    folders = {
        "HOME": base / "home",
        "JUPYTER_CONFIG_DIR": base / "config",
        "JUPYTER_DATA_DIR": base / "data",
        "JUPYTER_RUNTIME_DIR": base / "runtime",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    for name, value in LAB_SETTINGS.items():
        plugin_dir, plugin = name.rsplit("/", 1)
        path = (
            folders["JUPYTER_CONFIG_DIR"]
            / "lab"
            / "user-settings"
            / plugin_dir
            / f"{plugin}.jupyterlab-settings"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")
    env.update({name: str(folder) for name, folder in folders.items()})
    return tool_env(env)


@contextmanager
def jupyter_lab(root: Path, base: Path, app: str = "lab") -> Iterator[Lab]:
    """`jupyter lab` (or `jupyter notebook`) serving `root`, ready to answer; shut down with its kernels afterwards."""
    env = lab_env(base)
    port, token = free_port(), secrets.token_hex(16)
    command = [
        str(BIN / "jupyter"),
        app,
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:  # CI containers run as root; jupyter refuses without this.
        command.append("--allow-root")
    log = base / f"jupyter-{app}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    lab = Lab(app, f"http://127.0.0.1:{port}", token, root, Path(env["JUPYTER_RUNTIME_DIR"]), log, process)
    try:
        _wait_until_up(lab)
        yield lab
    finally:
        _shut_down(lab)


def _wait_until_up(lab: Lab) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            raise RuntimeError(f"jupyter {lab.app} exited ({lab.process.returncode}):\n{lab.log_tail()}")
        try:
            lab.api("status")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    raise TimeoutError(f"jupyter {lab.app} did not answer within {START_TIMEOUT:g} s:\n{lab.log_tail()}")


def _kernel_pids(runtime: Path) -> list[int]:
    """Processes started with a connection file of this server's runtime folder: its kernels."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(runtime).encode() in cmdline.read_bytes():
                pids.append(int(cmdline.parent.name))
        except OSError:  # the process ended meanwhile
            continue
    return pids


def _shut_down(lab: Lab) -> None:
    """Ask the server to stop (it shuts its kernels down), then make sure of it, process by process.

    Kernels are started in sessions of their own, so the server's process group
    does not hold them: any left are found by their connection file and killed.
    """
    if lab.process.poll() is None:
        try:
            lab.api("shutdown", method="POST")
            lab.process.wait(timeout=20)
        except (urllib.error.URLError, ConnectionError, TimeoutError, subprocess.TimeoutExpired):
            pass
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if lab.process.poll() is not None:
            break
        try:
            os.killpg(lab.process.pid, sig)
            lab.process.wait(timeout=wait)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    for pid in _kernel_pids(lab.runtime):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ---------------------------------------------------------------- the learner's side


# The notebook's own toolbar, in JupyterLab as in Notebook 7: its kernel's name
# and its execution indicator.  The indicator alone says idle before there is a
# kernel at all (the name then reads "No Kernel"); after the name appears it
# goes through connecting and unknown before saying idle again.
_KERNEL_READY_JS = """name => {
    const panel = [...document.querySelectorAll(".jp-NotebookPanel")].find(p => p.offsetParent !== null);
    const bar = panel && panel.querySelector(".jp-NotebookPanel-toolbar");
    const kernel = bar && bar.querySelector("[data-jp-item-name=kernelName]");
    const status = bar && bar.querySelector(".jp-Notebook-ExecutionIndicator");
    return !!kernel && kernel.textContent.trim() === name && !!status && status.dataset.status === "idle";
}"""


def run_all_cells(page: Page) -> Locator:
    """Run the notebook (Run › Run All Cells) once its kernel is idle; the quiz, once it is shown.

    Idle as the notebook's toolbar says it with the kernel's name beside it, and
    in JupyterLab as its status bar says it too ("Python 3 (ipykernel) | Idle"):
    cells run before the kernel was connected were, under load, not run at all
    (no output, no error).  The menus are the same in JupyterLab and Notebook 7.
    The quiz counts as shown when its script (which keeps keys in the quiz) has
    run: data-canhgiac-keys is then set on it.
    """
    page.wait_for_function(_KERNEL_READY_JS, arg=KERNEL_NAME, timeout=60_000)
    statusbar = page.locator("#jp-main-statusbar")
    if statusbar.count():  # JupyterLab only
        expect(statusbar).to_contain_text("| Idle", timeout=60_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    quiz = page.locator(".canhgiac-quiz[data-canhgiac-keys]")
    expect(quiz.get_by_role("button", name="Lưu bài làm")).to_be_visible(timeout=60_000)
    return quiz


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page: Page, target: Locator, max_presses: int = 40) -> int:
    """Press Tab (or Shift+Tab, if `target` comes before the focus) until `target` has the focus.

    As a learner does who sees where the control is; returns how many presses it took.
    """
    before = target.evaluate(
        "t => !!document.activeElement && document.activeElement !== document.body"
        " && !!(t.compareDocumentPosition(document.activeElement) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    key = "Shift+Tab" if before else "Tab"
    for presses in range(1, max_presses + 1):
        page.keyboard.press(key)
        if is_focused(target):
            return presses
    focused = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
    raise AssertionError(f"{max_presses} presses of {key} never reached {target}; the focus is on {focused}")


# The options of the quiz as ipywidgets draws them: radio buttons, check boxes,
# the steps of an ordering question; and the drop-downs of those steps.
_LAYOUT_JS = """quiz => {
    const problems = [];
    const name = el => (el.textContent || "").trim().slice(0, 50);
    const context = document.createElement("canvas").getContext("2d");
    const right = quiz.getBoundingClientRect().right;
    for (const box of quiz.querySelectorAll(":scope > .widget-vbox")) {
        const texts = [...box.querySelectorAll(
            ".widget-radio-box label, .widget-checkbox .widget-label-basic, .widget-dropdown > .widget-label")];
        const selects = [...box.querySelectorAll("select")];
        for (const el of texts) {
            if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
                problems.push(`cut off: ${name(el)}`);
        }
        for (const select of selects) {
            context.font = getComputedStyle(select).font;
            const text = select.options[select.selectedIndex].text;
            // The arrow of the list takes about 24 px.
            if (context.measureText(text).width + 24 > select.clientWidth)
                problems.push(`drop-down too narrow for "${text}": ${name(select.labels[0] || select)}`);
        }
        const items = [...texts, ...selects];
        for (const el of items) {
            if (el.getBoundingClientRect().right > right + 1) problems.push(`beyond the quiz: ${name(el)}`);
        }
        for (let i = 0; i < items.length; i++) {
            for (let j = i + 1; j < items.length; j++) {
                const a = items[i].getBoundingClientRect(), b = items[j].getBoundingClientRect();
                const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
                const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                if (x > 1 && y > 1) problems.push(`drawn over each other: ${name(items[i])} / ${name(items[j])}`);
            }
        }
    }
    return problems;
}"""


def layout_problems(quiz: Locator) -> list[str]:
    """What a learner could not read in the quiz as laid out now: options cut off, drawn over
    one another or beyond the quiz's right edge, drop-downs too narrow for their chosen step."""
    return quiz.evaluate(_LAYOUT_JS)
