"""The grading processes (canhgiac.grade.worker) and their messages, read by threads into one queue.

The workers stay in `canhgiac grade`'s process group: killing the group (a
scheduled job stopped, Ctrl-C) stops them with it, and their kernels, which
watch their parent, stop within a second.
"""

import json
import queue
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from canhgiac.course import Course
from canhgiac.tools import tool_env

STDERR_LINES_KEPT = 40


@dataclass
class Message:
    worker: "Worker"
    data: dict | None  # None: the worker has ended


@dataclass
class Worker:
    process: subprocess.Popen
    number: int
    stderr_tail: deque = field(default_factory=lambda: deque(maxlen=STDERR_LINES_KEPT))
    job: object = None  # what it is grading, or None when idle
    started: float = 0.0  # when it was given its job (time.monotonic)
    ready: bool = False

    def send(self, job, payload: dict, now: float) -> None:
        self.job, self.started = job, now
        self.process.stdin.write(json.dumps(payload) + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        """Close its input (it ends after the current job) or, if it is stuck, kill it."""
        try:
            self.process.stdin.close()
        except OSError:
            pass

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def why_it_ended(self) -> str:
        """The last error line the worker wrote, else its exit status."""
        tail = [line.strip() for line in self.stderr_tail if line.strip()]
        errors = [line for line in tail if "Error" in line or "Exception" in line]
        line = (errors or tail or [""])[-1]
        return line[:300] or f"mã thoát {self.process.poll()}"


class Pool:
    """Starts workers in the course folder and gathers their messages."""

    def __init__(self, course: Course) -> None:
        self.root = course.root
        self.messages: queue.Queue[Message] = queue.Queue()
        self.workers: list[Worker] = []
        self._count = 0

    def start(self) -> Worker:
        process = subprocess.Popen(
            [sys.executable, "-m", "canhgiac.grade.worker"],
            cwd=self.root,
            env=tool_env(),  # nbgrader runs `jupyter` by name; the kernel is this environment's
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self._count += 1
        worker = Worker(process, self._count, started=time.monotonic())
        self.workers.append(worker)
        threading.Thread(target=self._read_results, args=(worker,), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(worker,), daemon=True).start()
        return worker

    def _read_results(self, worker: Worker) -> None:
        for line in worker.process.stdout:
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                worker.stderr_tail.append(line)
                continue
            self.messages.put(Message(worker, data))
        worker.process.wait()
        self.messages.put(Message(worker, None))

    def _read_stderr(self, worker: Worker) -> None:
        for line in worker.process.stderr:
            worker.stderr_tail.append(line.rstrip("\n"))

    def retire(self, worker: Worker, kill: bool = False) -> None:
        if worker in self.workers:
            self.workers.remove(worker)
        if kill:
            worker.kill()
        else:
            worker.stop()

    def close(self) -> None:
        for worker in list(self.workers):
            worker.stop()
        for worker in list(self.workers):
            try:
                worker.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.workers.clear()
