"""A progress bar on stderr: redrawn in place on a terminal, a line every tenth of the way in a log file."""

import sys
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_tenth = -1

    def line(self, done: int, failed: int) -> str:
        total = max(self.total, done, 1)
        filled = WIDTH * done // total
        bar = "#" * filled + "-" * (WIDTH - filled)
        text = f"Chấm bài [{bar}] {done}/{total}"
        return text + (f", {failed} lỗi" if failed else "")

    def update(self, done: int, failed: int = 0) -> None:
        if self.tty:
            self.stream.write("\r" + self.line(done, failed))
            self.stream.flush()
            return
        tenth = 10 * done // max(self.total, 1)
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(self.line(done, failed) + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
