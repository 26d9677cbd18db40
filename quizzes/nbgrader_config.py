# nbgrader configuration of the Cảnh giác course; the settings and their reasons
# are in canhgiac.assign.config (the package installed with the course).
from canhgiac.assign.config import configure

configure(get_config(), __file__)  # noqa: F821 - nbgrader provides get_config
