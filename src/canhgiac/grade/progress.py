"""Grading's progress on stderr, drawn by tqdm: with the rate and the time left, in Vietnamese.

On a terminal the bar is redrawn in place; in a log file (cron, a pipe) it
is a plain line every tenth of the way, so that the log says how far a run
got without thousands of redraws.
"""

import sys
import time
from typing import TextIO

from tqdm import tqdm

UNIT = "bài"
# tqdm's fields, with Vietnamese words around them: "Chấm bài [####------] 12/40 bài · 3.20s/bài ·
# đã chạy 00:38, còn khoảng 01:30, 1 lỗi".
BAR_FORMAT = (
    "Chấm bài [{bar:30}] {n_fmt}/{total_fmt} "
    + UNIT
    + " · {rate_fmt} · đã chạy {elapsed}, còn khoảng {remaining}"
    "{postfix}"
)
PLAIN_BAR = "-#"  # empty, full: the bar of the plain lines, in ASCII


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.total = total
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.monotonic()
        self._last_tenth = -1
        self._bar = (
            tqdm(
                total=total,
                file=self.stream,
                bar_format=BAR_FORMAT,
                unit=UNIT,
                dynamic_ncols=True,
                leave=True,
            )
            if self.tty
            else None
        )

    def line(self, done: int, failed: int) -> str:
        """The progress as one plain line (the log file's form)."""
        return tqdm.format_meter(
            done,
            max(self.total, done, 1),
            time.monotonic() - self.started,
            ascii=PLAIN_BAR,
            unit=UNIT,
            bar_format=BAR_FORMAT,
            postfix=f"{failed} lỗi" if failed else None,
        )

    def update(self, done: int, failed: int = 0) -> None:
        if self._bar is not None:
            self._bar.total = max(self.total, done)
            self._bar.n = done
            self._bar.set_postfix_str(f"{failed} lỗi" if failed else "", refresh=False)
            self._bar.refresh()
            return
        tenth = 10 * done // max(self.total, 1)
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(self.line(done, failed) + "\n")
            self.stream.flush()

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
