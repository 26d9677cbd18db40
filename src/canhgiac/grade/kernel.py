"""The grading kernel, started in the jail (canhgiac.grade.jail) instead of beside the grader.

nbgrader's Execute starts one kernel per notebook through a jupyter_client
kernel manager.  `canhgiac grade` gives it SandboxedExecute, whose manager:

- makes a working folder of the kernel's own (0700, in a folder the kernel
  cannot list), holding only a copy of answers.json (a regular file; never
  through a link), and the connection file;
- talks to the kernel over Unix sockets in that folder (ZeroMQ's ipc
  transport), so the kernel needs no network at all;
- starts the kernel through the jail, with an environment of its own;
- removes the folder when the kernel has stopped.

The grade cells read answers.json from the working folder, as they read it
beside the notebook in nbgrader's autograded/ folder.
"""

import shutil
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute
from traitlets import Unicode

from canhgiac.grade.jail import kernel_env
from canhgiac.quiz.answers import ANSWERS_FILE, MAX_BYTES
from canhgiac.untrusted import Refused, read_regular_file


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts its kernel in the jail, over Unix sockets, in a folder of its own."""

    jail_policy = Unicode(
        "", help="The jail's policy as JSON (canhgiac.grade.jail.Policy); set by `canhgiac grade`."
    ).tag(config=True)
    kernels_folder = Unicode(
        "", help="The folder that holds each kernel's working folder (not listable by the kernel)."
    ).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.cache_ports = False
        self._workdir: Path | None = None

    async def _async_pre_start_kernel(self, **kw):
        workdir = Path(tempfile.mkdtemp(prefix="k-", dir=self.kernels_folder or None))
        self._workdir = workdir
        notebook_folder = Path(kw.get("cwd") or ".")
        try:
            (workdir / ANSWERS_FILE).write_bytes(read_regular_file(notebook_folder / ANSWERS_FILE, MAX_BYTES))
        except Refused:
            pass  # no usable answers: the grade cells say so ("Không tìm thấy tệp bài làm")
        self.ip = str(workdir / "s")
        self.connection_file = str(workdir / "kernel.json")
        kw["cwd"] = str(workdir)
        kw["env"] = kernel_env(workdir)
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.jail_policy:
            return cmd
        return [sys.executable, "-m", "canhgiac.grade.jail", self.jail_policy, str(self._workdir), "--", *cmd]

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if self._workdir is not None and not restart:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None


class SandboxedExecute(Execute):
    """nbgrader's Execute, with its kernels started by SandboxedKernelManager."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)
