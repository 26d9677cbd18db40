"""Sphinx extension of the Cảnh giác book, enabled in _config.yml (sphinx.extra_extensions).

Each module does one thing (content.py groups the five that the pages' Markdown needs):
  search    - full-text search that ignores Vietnamese diacritics
  i18n      - the theme's interface strings in Vietnamese
  assets    - a light page: no Font Awesome script, no unused extension files
  facts     - {fact} and {facts-table}: contacts from src/canhgiac/data/facts.yml
  coverage  - {coverage-table}: the letter's points and where the book teaches them
  practice  - {practice-quiz}: self-check questions from the bank, checked in the browser
  graded    - {graded-quiz}: a graded quiz as a page, handed in as a file for nbgrader
  reading_time - each page's time from its words and questions; {course-start}: the total
  lessons   - the notebooks' interactive lessons (notebooks/), rendered to work without a kernel
  csp       - no code built from strings, so that the book passes a strict Content-Security-Policy
"""

from sphinx.application import Sphinx

from canhgiac import __version__
from canhgiac.sphinxext import assets, csp, i18n, lessons, search


def setup(app: Sphinx) -> dict:
    app.setup_extension("canhgiac.sphinxext.content")  # the pages' directives and roles
    for module in (search, i18n, assets, lessons, csp):
        module.setup(app)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
