# JupyterHub's configuration for a Cảnh giác course (canhgiac.hub.config), then the operator's own file.
import os

from canhgiac.hub.config import configure

c = get_config()  # noqa: F821  (JupyterHub's config loader provides it)
configure(c)
if os.environ.get("CANHGIAC_HUB_CONFIG"):
    load_subconfig(os.environ["CANHGIAC_HUB_CONFIG"])  # noqa: F821
