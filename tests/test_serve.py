"""`canhgiac serve` and canhgiac.static_files: precompressed copies and cache lifetimes."""

import gzip
import http.client
import os
import threading

import brotli
import pytest

from canhgiac.serve import make_server
from canhgiac.sphinxext.pwa import precompress
from canhgiac.static_files import LONG, REVALIDATE, accepted, cache_control, negotiate

PAGE = (
    "<!DOCTYPE html><html lang='vi'><body>" + "Cảnh giác trước thủ đoạn cắt ghép. " * 200 + "</body></html>"
).encode()
STYLE = b"body { color: #111; }\n" * 200


@pytest.fixture
def site(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "trang.html").write_bytes(PAGE)
    (tmp_path / "index.html").write_bytes(PAGE)
    (tmp_path / "style.css").write_bytes(STYLE)
    (tmp_path / "sw.js").write_bytes(b"self.addEventListener('install', () => {});\n" * 20)
    (tmp_path / "hinh.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    precompress(tmp_path)
    server = make_server(tmp_path, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, server.server_address[1]
    server.shutdown()
    server.server_close()


def get(port: int, path: str, **headers) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_are_the_copies_written_beside_text_files_only(site):
    """Does the build's precompress step write .gz and .br for pages, styles and scripts, not images?"""
    root, _ = site
    for name in ("index.html", "book/trang.html", "style.css", "sw.js"):
        assert gzip.decompress((root / f"{name}.gz").read_bytes()) == (root / name).read_bytes()
        assert brotli.decompress((root / f"{name}.br").read_bytes()) == (root / name).read_bytes()
    assert not (root / "hinh.png.gz").exists() and not (root / "hinh.png.br").exists()


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("gzip, deflate, br, zstd", "br", brotli.decompress),
        ("gzip, deflate", "gzip", gzip.decompress),
        ("br;q=0, gzip", "gzip", gzip.decompress),
        ("", None, lambda b: b),
    ],
    ids=["brotli", "gzip", "brotli-refused", "none"],
)
def test_does_serve_send_the_copy_the_browser_accepts(site, accept, encoding, decode):
    """Is each browser sent the best copy it accepts, marked so, and the same page once decoded?"""
    _, port = site
    response, body = get(port, "/book/trang.html", **{"Accept-Encoding": accept})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == encoding
    assert response.getheader("Vary") == "Accept-Encoding"
    assert response.getheader("Content-Type").startswith("text/html")
    assert int(response.getheader("Content-Length")) == len(body)
    assert decode(body) == PAGE
    if encoding:
        assert len(body) < len(PAGE) / 5


def test_do_hashed_assets_keep_for_a_year_and_pages_revalidate(site):
    """Long Cache-Control for ?v=/?digest= assets; no-cache for pages, the service worker, unhashed files?"""
    _, port = site
    assert get(port, "/style.css?v=3c74b3bc")[0].getheader("Cache-Control") == LONG
    assert get(port, "/style.css?digest=55c26ed4")[0].getheader("Cache-Control") == LONG
    assert get(port, "/style.css")[0].getheader("Cache-Control") == REVALIDATE
    assert get(port, "/book/trang.html")[0].getheader("Cache-Control") == REVALIDATE
    assert get(port, "/sw.js")[0].getheader("Cache-Control") == REVALIDATE
    assert get(port, "/")[0].getheader("Cache-Control") == REVALIDATE
    png, _ = get(port, "/hinh.png", **{"Accept-Encoding": "br"})
    assert png.getheader("Content-Encoding") is None and png.getheader("Vary") is None


def test_is_an_unchanged_page_answered_304(site):
    """Does a revalidation of an unchanged page cost no body (304)?"""
    _, port = site
    first, _ = get(port, "/index.html", **{"Accept-Encoding": "br"})
    again, body = get(
        port,
        "/index.html",
        **{"Accept-Encoding": "br", "If-Modified-Since": first.getheader("Last-Modified")},
    )
    assert again.status == 304 and body == b""
    assert again.getheader("Cache-Control") == REVALIDATE


def test_is_a_stale_copy_never_sent(tmp_path):
    """A page rebuilt after its copies were written: is the page itself sent, not the old copy?"""
    page = tmp_path / "trang.html"
    page.write_bytes(PAGE)
    precompress(tmp_path)
    os.utime(tmp_path / "trang.html.br", (1_000_000, 1_000_000))
    os.utime(tmp_path / "trang.html.gz", (1_000_000, 1_000_000))
    choice = negotiate(page, "br, gzip")
    assert choice.path == page and choice.encoding is None and choice.vary


def test_accept_encoding_is_read_as_http_says():
    assert accepted("gzip;q=1.0, br;q=0, identity") == {"gzip", "identity"}
    assert accepted(None) == set()
    assert cache_control("/sw.js", "v=1") == REVALIDATE
    assert cache_control("/_static/x.js", "__WB_REVISION__=abc") == LONG
