"""A light page: only the scripts and styles that this book uses.

A stock Jupyter Book 1 page loads about 2.4 MB in 28 requests, most of it
Font Awesome's 1.5 MB script and the assets of extensions that Jupyter Book
always loads (thebe, copy and toggle buttons, sphinx-design) but this book
never uses.  Readers are often on phones and slow connections, so:

* templates/static/webpack-macros.html drops Font Awesome's script; the dozen theme
  icons are drawn by static/canhgiac-icons.css from small inline SVGs;
* `_drop_unused_assets` removes the unused extensions' files from every page.

It also adds static/canhgiac-nav.js, which makes the theme's ☰ and page-contents
buttons work (the themes wire a hidden copy of each), and static/canhgiac-hosted.js,
which links the pages to the hub and the learner's JupyterLab on the hosted course.
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
# Their inline configuration scripts, recognised by the names they declare.
# sphinx-togglebutton's and sphinx-thebe's are added twice, and the second
# `const THEBE_JS_URL` is a script error on every page.
DEFAULT_DROPPED_INLINE = ["THEBE_JS_URL", "toggleHint", "toggleOpenOnPrint", "togglebuttonSelector"]


def _basename(asset: object) -> str:
    return str(getattr(asset, "filename", asset)).split("?")[0].rsplit("/", 1)[-1]


def _is_dropped(asset: object, files: set[str], inline_markers: list[str]) -> bool:
    if _basename(asset) in files:
        return True
    body = getattr(asset, "attributes", {}).get("body", "")
    return any(marker in body for marker in inline_markers)


def _drop_unused_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    files = set(app.config.canhgiac_dropped_assets)
    markers = app.config.canhgiac_dropped_inline_scripts
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_dropped(a, files, markers)]


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
    app.add_config_value(
        "canhgiac_dropped_inline_scripts",
        DEFAULT_DROPPED_INLINE,
        "html",
        types=[list],
        description="Inline scripts to drop: any whose text contains one of these names.",
    )
    app.connect("config-inited", _add_templates)
    app.connect("html-page-context", _drop_unused_assets)
    app.add_css_file("canhgiac-icons.css")
    # The ☰ and page-contents buttons: the themes wire a hidden copy (static/canhgiac-nav.js).
    app.add_js_file("canhgiac-nav.js", loading_method="defer")
    # On the hosted course only (the service's cookie): links to the hub's home, the learner's
    # JupyterLab and results (static/canhgiac-hosted.js); on the static book it does nothing.
    app.add_js_file("canhgiac-hosted.js", loading_method="defer")
