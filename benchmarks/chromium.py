"""Debian's Chromium as the project's test and benchmark browser (driven by Playwright, never downloaded)."""

import os
import shutil

# No sandbox (CI runs as root), and none of Chromium's own traffic (updates,
# sync, field trials): on this network it is refused, and every request that a
# test sees must come from the page under test.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> str:
    """The Chromium binary: $CANHGIAC_CHROMIUM, else `chromium` on PATH, else Debian's path."""
    return os.environ.get("CANHGIAC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
