# JupyterHub's configuration for a Cảnh giác course (canhgiac.hub.config), then the operator's own file.
import sys

from canhgiac.errors import DataError
from canhgiac.hub.config import configure, override_file

c = get_config()  # noqa: F821  (JupyterHub's config loader provides it)
try:
    override = override_file()
except DataError as error:  # JupyterHub started by a unit: say it in the log, and stop (exit code 2)
    print(f"{error.heading}: {error}", file=sys.stderr, flush=True)
    sys.exit(error.exit_code)
configure(c)
if override is not None:
    load_subconfig(str(override))  # noqa: F821
