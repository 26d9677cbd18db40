"""A strict Content-Security-Policy for the built book, computed from its pages.

Sphinx and the theme put a few inline scripts in every page (the colour mode,
the search page's start-up) and Jupyter Book a few `style="..."` attributes.
Rather than allow any inline code ('unsafe-inline'), the policy allows exactly
these, by the SHA-256 of their text, as CSP Level 3 says a browser hashes them:
the element's text for <script> and <style>, the attribute's value for
style="" (with 'unsafe-hashes').  A page changed to carry a new inline script
needs the policy made again from the new build (`canhgiac deploy nginx`); the
browser test (tests/test_deploy_server.py) fails if one is missed.
"""

import base64
import hashlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

# Script types a browser runs; any other (application/json, text/x-thebe-config) is data.
SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}


def source_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@dataclass
class InlineCode:
    """The distinct inline scripts, style elements and style attributes of a set of pages."""

    scripts: set[str] = field(default_factory=set)
    styles: set[str] = field(default_factory=set)
    style_attributes: set[str] = field(default_factory=set)


class _Collector(HTMLParser):
    def __init__(self, found: InlineCode) -> None:
        super().__init__(convert_charrefs=True)
        self.found = found
        self._open: str | None = None  # "script" or "style" while inside one that counts
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("style") is not None:
            self.found.style_attributes.add(attributes["style"])
        if tag == "script" and "src" not in attributes:
            if (attributes.get("type") or "").strip().lower() in SCRIPT_TYPES:
                self._open, self._text = "script", []
        elif tag == "style":
            self._open, self._text = "style", []

    def handle_data(self, data):
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._open and tag == self._open:
            text = "".join(self._text)
            (self.found.scripts if tag == "script" else self.found.styles).add(text)
            self._open = None


def inline_code(book: Path) -> InlineCode:
    """Every inline script, style and style attribute of the HTML pages under `book`."""
    found = InlineCode()
    for page in sorted(book.rglob("*.html")):
        collector = _Collector(found)
        collector.feed(page.read_text(encoding="utf-8", errors="replace"))
        collector.close()
    return found


def book_policy(book: Path) -> str:
    """The Content-Security-Policy of the book's pages, the quiz pages and the course service's API."""
    code = inline_code(book)
    scripts = " ".join(sorted(source_hash(s) for s in code.scripts))
    styles = " ".join(sorted(source_hash(s) for s in code.styles))
    attributes = " ".join(sorted(source_hash(s) for s in code.style_attributes))
    return _policy(
        f"script-src 'self' {scripts}".strip(),
        f"style-src 'self' {styles}".strip(),
        f"style-src-elem 'self' {styles}".strip(),
        f"style-src-attr 'unsafe-hashes' {attributes}" if attributes else "style-src-attr 'none'",
    )


def report_policy() -> str:
    """The trainers' report pages: no inline script, but an inline stylesheet (styles cannot run code)."""
    return _policy("script-src 'self'", "style-src 'self' 'unsafe-inline'")


def _policy(*scripts_and_styles: str) -> str:
    directives = [
        "default-src 'self'",
        *scripts_and_styles,
        # The theme's icons are small SVGs inlined as data: URLs in canhgiac-icons.css.
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "upgrade-insecure-requests",
    ]
    return "; ".join(directives)
