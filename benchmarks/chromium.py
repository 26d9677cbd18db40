"""Debian's Chromium as the project's test and benchmark browser (driven by Playwright, never downloaded).

The flags and the binary are the product's own (canhgiac.pdf.printer prints the book with them):
no sandbox (CI runs as root) and none of Chromium's own traffic (updates, sync, field trials),
so that every request a test sees comes from the page under test.
"""

from canhgiac.pdf.printer import CHROMIUM_ARGS, chromium_executable

__all__ = ["CHROMIUM_ARGS", "chromium_executable"]
