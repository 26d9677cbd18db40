"""How the built book is served: precompressed copies and cache lifetimes.

Shared by `canhgiac serve` (canhgiac.serve) and any other server of the built
book (the hosted course): each calls `negotiate` for the file to send and
`cache_control` for how long a browser may keep it.

The build (canhgiac.sphinxext.pwa) writes `page.html.br` and `page.html.gz`
beside `page.html`.  Sending the copy saves compressing on every request; the
response then carries `Content-Encoding` and, for every compressible file,
`Vary: Accept-Encoding` so that a shared cache keeps one copy per encoding.
"""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

# Best first: Brotli is about 10-20 % smaller than gzip on our pages.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))

# Query parameters that name a file's content: Sphinx's ?v=<checksum>,
# pydata-sphinx-theme's ?digest=<hash>, Workbox's ?__WB_REVISION__=<md5>.
# A URL with one of them changes when the file does, so the browser may keep it for a year.
HASH_PARAMETERS = {"v", "digest", "__WB_REVISION__"}
LONG = "public, max-age=31536000, immutable"
# Pages, the service worker and the manifest: always asked again (a 304 when
# unchanged), so a new build reaches the learner at the next visit.
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Choice:
    """The file to send for a request, and its Content-Encoding (None: the file as it is)."""

    path: Path
    encoding: str | None
    vary: bool  # whether the answer depends on Accept-Encoding


def accepted(accept_encoding: str | None) -> set[str]:
    """The codings a client accepts (q=0 means refused), lower case."""
    codings = set()
    for item in (accept_encoding or "").split(","):
        name, *params = (part.strip() for part in item.split(";"))
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            refused = float(q) == 0
        except ValueError:
            refused = False
        if name and not refused:
            codings.add(name.lower())
    return codings


def negotiate(path: Path, accept_encoding: str | None) -> Choice:
    """The precompressed copy of `path` that the client accepts, else `path` itself.

    `path` is the file the URL names, already resolved inside the served folder;
    a copy is used only when it is at least as new as the file (a stale copy from an
    earlier build is never sent).
    """
    vary = False
    codings = accepted(accept_encoding)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return Choice(path, None, False)
    for coding, suffix in ENCODINGS:
        copy = path.with_name(path.name + suffix)
        try:
            fresh = copy.stat().st_mtime >= mtime
        except OSError:
            continue
        vary = True
        if fresh and coding in codings:
            return Choice(copy, coding, True)
    return Choice(path, None, vary)


def cache_control(url_path: str, query: str) -> str:
    """The Cache-Control header for a URL of the built book."""
    if url_path.endswith((".html", "/", "sw.js", ".webmanifest")):
        return REVALIDATE
    if any(name in HASH_PARAMETERS and value for name, value in parse_qsl(query, keep_blank_values=True)):
        return LONG
    return REVALIDATE
