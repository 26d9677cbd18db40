"""Helpers of tests/test_book_browser.py: the pages of _toc.yml, the English strings of
the theme, what a page shows, and axe-core's accessibility report.

Kept apart from the tests so that each test reads as the question it asks.
"""

import html
import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

from chromium import CHROMIUM_ARGS  # noqa: E402,F401 - re-exported for the tests


def toc_pages(toc_file: Path = ROOT / "_toc.yml") -> list[str]:
    """The HTML paths of the book's pages in reading order: the root, then every part's chapters."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))

    def walk(entries) -> list[str]:
        out = []
        for entry in entries or []:
            if "file" in entry:
                out.append(entry["file"])
            out += walk(entry.get("sections"))
        return out

    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += walk(part.get("chapters"))
    files += walk(toc.get("chapters"))
    return [f"{Path(f).with_suffix('')}.html" for f in files]


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine's test server (or carry their data inline)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https", "ws") and parts.hostname == "127.0.0.1"


# ---------------------------------------------------------------- English strings

# Sphinx's own strings that a page of this book can show: the search page and the
# layout that the theme extends.  Read from Sphinx's catalog template by location.
SPHINX_TEMPLATES = (
    "sphinx/themes/basic/layout.html",
    "sphinx/themes/basic/search.html",
    "sphinx/themes/basic/searchbox.html",
    "sphinx/themes/basic/static/searchtools.js",
    "sphinx/themes/basic/static/sphinx_highlight.js",
)
# Named by the issue: Sphinx's search page and the theme's chrome.
ISSUE_STRINGS = (
    "Search Results",
    "Searching",
    "Preparing search",
    "Skip to main content",
    "Search this book",
    "Back to top",
    "On this page",
)
# Catalog strings left out because they are also ordinary Vietnamese, so finding them
# proves nothing.  Each is here for a false positive it caused:
#   ", in "  Sphinx's separator in object search results ("func, in module").  "in" is
#            Vietnamese for "print": book/trinh-bao.md has "nếu được, in ra giấy".
IGNORED_MSGIDS = {", in "}
# Matching is case-sensitive and on whole words, so "next", "Dark" or "Home" do not
# fire inside other words.
# Labels hard-coded in English in the themes' templates (so in no catalog), checked in
# attributes only, where they are whole values; as words of prose they could be anything.
HARD_CODED_LABELS = {"Main", "Page", "Toggle primary sidebar", "Toggle secondary sidebar"}

_PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd]|\$\{[^}]*\}|\{[^}]*\}")


def _package_dir(name: str) -> Path:
    return Path(importlib.util.find_spec(name).origin).parent


def _msgids(path: Path, locations: tuple[str, ...] | None = None) -> set[str]:
    with path.open("rb") as f:
        catalog = read_po(f)
    found = set()
    for message in catalog:
        if not message.id:
            continue
        if locations and not any(loc[0] in locations for loc in message.locations):
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        found.update(ids)
    return found


def theme_english_strings() -> dict[str, str]:
    """Every English interface string that could show through, mapped to where it comes from."""
    sources = {}
    pydata = _package_dir("pydata_sphinx_theme") / "locale" / "sphinx.pot"
    for msgid in _msgids(pydata):
        sources.setdefault(msgid, "pydata-sphinx-theme")
    locales = _package_dir("sphinx_book_theme") / "theme" / "sphinx_book_theme" / "static" / "locales"
    for po in sorted(locales.glob("*/LC_MESSAGES/booktheme.po")):
        for msgid in _msgids(po):
            sources.setdefault(msgid, "sphinx-book-theme")
    sphinx_pot = _package_dir("sphinx") / "locale" / "sphinx.pot"
    for msgid in _msgids(sphinx_pot, SPHINX_TEMPLATES):
        sources.setdefault(msgid, "Sphinx")
    for msgid in ISSUE_STRINGS:
        sources.setdefault(msgid, "the issue")
    for msgid in IGNORED_MSGIDS:
        sources.pop(msgid, None)
    return sources


def english_pattern(msgid: str) -> re.Pattern | None:
    """A case-sensitive whole-word pattern for a msgid as a browser would show it.

    Markup is dropped ("Created using <a ...>Sphinx</a>" shows as "Created using Sphinx"),
    entities decoded, any run of white space matches any other, and each placeholder
    matches a short run of text.  None when nothing English is left to look for.
    """
    text = html.unescape(re.sub(r"<[^>]+>", "", msgid)).strip()
    pieces = [p.strip() for p in _PLACEHOLDER.split(text)]
    if not any(re.search(r"[A-Za-z]{2,}", p) for p in pieces):
        return None
    words = [r"\s+".join(re.escape(w) for w in p.split()) for p in pieces]
    body = r".{0,80}?".join(w for w in words if w)
    # Whole words: no letter may touch a string that starts or ends with one.
    before = r"(?<!\w)" if re.match(r"\w", text) else ""
    after = r"(?!\w)" if re.search(r"\w$", text) else ""
    return re.compile(before + body + after)


@dataclass
class EnglishFinder:
    """Finds the theme's English strings in what a page shows."""

    patterns: dict[str, tuple[re.Pattern, str]] = field(default_factory=dict)

    @classmethod
    def from_catalogs(cls) -> "EnglishFinder":
        finder = cls()
        for msgid, source in theme_english_strings().items():
            pattern = english_pattern(msgid)
            if pattern is not None:
                finder.patterns[msgid] = (pattern, source)
        return finder

    def find(self, shown: dict) -> list[str]:
        """Problems in a page's `shown` (see SHOWN_JS): one line per string found, and where."""
        problems = []
        for msgid, (pattern, source) in self.patterns.items():
            match = pattern.search(shown["text"])
            if match:
                start = max(match.start() - 30, 0)
                context = shown["text"][start : match.end() + 30].replace("\n", " ")
                problems.append(f"text has {msgid!r} ({source}): …{context}…")
            for attr in shown["attrs"]:
                if pattern.search(attr["value"]):
                    problems.append(
                        f"{attr['where']} [{attr['name']}={attr['value']!r}] has {msgid!r} ({source})"
                    )
        for attr in shown["attrs"]:
            if attr["value"].strip() in HARD_CODED_LABELS:
                problems.append(
                    f"{attr['where']} [{attr['name']}={attr['value']!r}] is a theme template's English label"
                )
        return problems


# What a page shows: the title and visible text, and the labels that assistive
# technology reads or that appear on hover/in an empty field (even on hidden elements,
# such as the closed search dialog, which opens with one key).
SHOWN_JS = """
() => {
  const where = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    else if (el.classList.length) s += "." + [...el.classList].slice(0, 2).join(".");
    return s;
  };
  const attrs = [];
  for (const el of document.querySelectorAll("[aria-label], [placeholder], [title]")) {
    for (const name of ["aria-label", "placeholder", "title"]) {
      const value = el.getAttribute(name);
      if (value) attrs.push({where: where(el), name, value});
    }
  }
  return {text: document.title + "\\n" + document.body.innerText, attrs};
}
"""

# The page's width against the window's, and the elements that stick out on the right.
WIDTH_JS = """
() => {
  const w = window.innerWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > w + 1) {
      let s = el.tagName.toLowerCase();
      if (el.id) s += "#" + el.id;
      else if (el.classList.length) s += "." + [...el.classList].slice(0, 2).join(".");
      wide.push(`${s} (right edge ${Math.round(r.right)} px)`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: w, wide: wide.slice(0, 6)};
}
"""


def run_axe(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page, as plain dicts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (tags) => {
          const result = await axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
          });
          return result.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            targets: v.nodes.map((n) => n.target.join(" ")),
          }));
        }""",
        AXE_TAGS,
    )


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def describe_violation(where: str, v: dict) -> str:
    targets = ", ".join(v["targets"][:4])
    more = f" (+{len(v['targets']) - 4} more)" if len(v["targets"]) > 4 else ""
    return f"{where}: {v['id']} [{v['impact']}] {v['help']}: {targets}{more}"
