"""Running the Jupyter and nbgrader tools of this environment from any shell or scheduled job."""

import os
import sys
from pathlib import Path

# The folder of this environment's commands (.venv/bin): `canhgiac` may be called by its
# path without activating the environment, yet nbgrader runs `alembic` and `jupyter` by name.
BIN = Path(sys.executable).parent


def tool_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) with this environment's commands first on PATH."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def put_tools_on_path() -> None:
    """Put this environment's commands first on this process's PATH (nbgrader's Gradebook runs `alembic`)."""
    if os.environ.get("PATH", "").split(os.pathsep)[0] != str(BIN):
        os.environ["PATH"] = tool_env()["PATH"]
