"""A light page: only the scripts and styles that this book uses.

A stock Jupyter Book 1 page loads about 2.4 MB in 28 requests, most of it
Font Awesome's 1.5 MB script and the assets of extensions that Jupyter Book
always loads (thebe, copy and toggle buttons, sphinx-design) but this book
never uses.  Readers are often on phones and slow connections, so:

* templates/static/webpack-macros.html drops Font Awesome's script; the dozen theme
  icons are drawn by static/canhgiac-icons.css from small inline SVGs;
* `_drop_unused_assets` removes the unused extensions' files from every page.
"""

from pathlib import Path

from sphinx.application import Sphinx

HERE = Path(__file__).parent

# Files of extensions that jupyter-book enables unconditionally.  If a page
# ever needs one (a {dropdown}, a {tab-set}, a copy button), remove it here.
DEFAULT_DROPPED = [
    "sphinx-thebe.js",
    "sphinx-thebe.css",
    "clipboard.min.js",
    "copybutton.js",
    "copybutton.css",
    "togglebutton.js",
    "togglebutton.css",
    "design-tabs.js",
    "sphinx-design.min.css",
]


def _basename(asset: object) -> str:
    return str(getattr(asset, "filename", asset)).split("?")[0].rsplit("/", 1)[-1]


def _drop_unused_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    dropped = set(app.config.canhgiac_dropped_assets)
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if _basename(a) not in dropped]


def _add_templates(app: Sphinx, config) -> None:
    # Prepended, so that our webpack-macros.html wins over the theme's.
    config.templates_path = [str(HERE / "templates"), *config.templates_path]


def setup(app: Sphinx) -> None:
    app.add_config_value(
        "canhgiac_dropped_assets",
        DEFAULT_DROPPED,
        "html",
        types=[list],
        description="Static files of always-on extensions that no page of this book needs.",
    )
    app.connect("config-inited", _add_templates)
    app.connect("html-page-context", _drop_unused_assets)
    app.add_css_file("canhgiac-icons.css")
