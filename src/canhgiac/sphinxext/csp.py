"""The book under a strict Content-Security-Policy: no code made from strings.

Sphinx's doctools.js turns the catalog's plural rule into a function with
`new Function(...)`, which a policy without 'unsafe-eval' blocks (and reports)
on every page that loads the Vietnamese catalog.  After the build, that line of
the copied doctools.js is replaced by a rule read without evaluating code: the
catalog's rule is a constant for Vietnamese ("0": one form), and the two-form
rule of English-like catalogs is recognised too.  The hosted course's nginx
policy (canhgiac.deploy.csp) then needs no 'unsafe-eval'.
"""

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

EVAL_LINE = """    Documentation.PLURAL_EXPR = new Function(
      "n",
      `return (${catalog.plural_expr})`
    );"""
NO_EVAL_LINE = """    // canhgiac.sphinxext.csp: no `new Function` (the Content-Security-Policy has no 'unsafe-eval').
    const rule = String(catalog.plural_expr).replace(/\\s|[()]/g, "");
    Documentation.PLURAL_EXPR = /^\\d+$/.test(rule)
      ? () => Number(rule)
      : rule === "n!=1"
        ? (n) => (n !== 1 ? 1 : 0)
        : (n) => (n === 1 ? 0 : 1);"""


def _doctools_without_eval(app: Sphinx, exception: Exception | None) -> None:
    if exception or app.builder.format != "html":
        return
    doctools = Path(app.outdir) / "_static" / "doctools.js"
    if not doctools.exists():
        return
    text = doctools.read_text(encoding="utf-8")
    if EVAL_LINE in text:
        doctools.write_text(text.replace(EVAL_LINE, NO_EVAL_LINE), encoding="utf-8")
    elif "new Function" in text:
        logger.warning(
            "doctools.js builds a function from a string in an unknown way: the CSP will report it"
        )


def setup(app: Sphinx) -> None:
    app.connect("build-finished", _doctools_without_eval)
