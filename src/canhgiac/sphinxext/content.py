"""Only the directives and roles that the pages' Markdown uses, without the book's theme changes.

`canhgiac.sphinxext` enables this and more.  On its own, it lets the same pages
build with a stock Jupyter Book configuration: benchmarks/book.py compares
the two builds.
"""

from sphinx.application import Sphinx

from canhgiac import __version__
from canhgiac.sphinxext import coverage, facts, graded, practice, reading_time


def setup(app: Sphinx) -> dict:
    for module in (facts, coverage, practice, graded, reading_time):  # graded uses practice's settings
        module.setup(app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
