"""The book as an installable web app that works offline after one visit, and light to load.

When the HTML build finishes, in this order (each step works on the previous one's output):

1. the app's icons are drawn (Pillow) and its Vietnamese manifest is written
   (manifest.webmanifest, linked from every page with the theme colour);
2. the figures are made lighter: a PNG becomes a palette PNG (32 to 256 colours,
   the fewest that keep it as drawn) when that is smaller;
3. Workbox writes the service worker (sw.js) that precaches every page of the book
   and every file the pages use, each with its content hash (workbox/build-sw.mjs).
   static/canhgiac-pwa.js registers it after the page has loaded, so the rest of
   the course downloads in the background, and offers "Tải lại" when a new build
   is ready;
4. every text file gets a gzip (.gz) and a Brotli (.br) copy beside it, which
   `canhgiac serve` (canhgiac.static_files) sends to browsers that accept them.

Workbox comes from the npm registry: `make install` puts it in workbox/node_modules.
Without it (or without node) the build warns, which fails a strict build.
"""

import gzip
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import brotli
from PIL import Image, ImageChops, ImageDraw, ImageStat
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
WORKBOX_DIR = HERE / "workbox"
BUILD_SW = WORKBOX_DIR / "build-sw.mjs"

THEME_COLOUR = "#0b5e7a"  # the favicon's shield (book/images/favicon.svg)
BACKGROUND = "#ffffff"
MANIFEST = "manifest.webmanifest"
SERVICE_WORKER = "sw.js"
ICONS = "_static/icons"
ICON_SIZES = (192, 512)

# Files that get precompressed copies; images (PNG) are compressed already.
COMPRESSIBLE = {".html", ".js", ".css", ".svg", ".json", ".webmanifest", ".txt", ".xml", ".inv"}
# Below this size a compressed copy saves nothing worth a file.
MIN_COMPRESS = 256

# Every page, and what pages load that a reference scan cannot see: the search
# page's index and language data (loaded by searchtools.js), the lessons' figures
# (drawn by lessons.py, shown by script).
ALWAYS = ["searchindex.js", "_static/language_data.js", "_static/searchtools.js", "_static/lessons/*"]
# Never in the offline course: the source maps and the files the pages do not use.
NEVER = re.compile(r"\.(map|gz|br)$|^_static/(vendor|locales)/|webpack-macros\.html$")
# The theme's style sheets, most of whose rules no page of this book uses.
PURGED_CSS = [
    "_static/styles/pydata-sphinx-theme.css",
    "_static/styles/sphinx-book-theme.css",
    "_static/mystnb.*.css",  # named by the hash of its content
    "_static/basic.css",
]
_REF = re.compile(r"""(?:src|href)\s*=\s*["']([^"'#]+)["']""")
# url(...) and the bare @import "file.css" of theme.css.
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')#]+)["']?\s*\)|@import\s+["']([^"']+)["']""")


# ---------------------------------------------------------------- manifest and icons


def draw_icon(size: int, *, maskable: bool = False) -> Image.Image:
    """The app icon: the favicon's white tick on a shield, on the theme colour.

    A maskable icon is cropped by the phone to a circle or a rounded square: its
    drawing keeps inside the central 80 % (the "safe zone" of the manifest spec).
    """
    scale = 4  # drawn large, then reduced: smooth edges without an SVG renderer
    big = size * scale
    image = Image.new("RGBA", (big, big), BACKGROUND if maskable else (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=THEME_COLOUR)
        inner, colour = 0.55, "#ffffff"
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=THEME_COLOUR)
        inner, colour = 0.72, "#ffffff"
    # The shield of favicon.svg (a 32-unit box), in white, with the tick in the theme colour.
    box = big * inner
    left, top = (big - box) / 2, (big - box) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return left + x / 32 * box, top + y / 32 * box

    shield = [at(16, 2), at(4, 6.5), at(4, 14.7), at(6, 21.5), at(10, 26.5), at(16, 30)]
    shield += [at(22, 26.5), at(26, 21.5), at(28, 14.7), at(28, 6.5)]
    draw.polygon(shield, fill=colour)
    draw.line(
        [at(10.5, 16.5), at(14.5, 20.5), at(22, 12)],
        fill=THEME_COLOUR,
        width=int(box / 32 * 3.2),
        joint="curve",
    )
    return image.resize((size, size), Image.LANCZOS)


def manifest(app: Sphinx, start_url: str) -> dict:
    """The web app manifest, in Vietnamese: what a phone shows when the course is installed."""
    icons = [
        {"src": f"{ICONS}/icon-{s}.png", "sizes": f"{s}x{s}", "type": "image/png", "purpose": "any"}
        for s in ICON_SIZES
    ]
    icons.append(
        {
            "src": f"{ICONS}/icon-maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    return {
        "name": app.config.html_title or app.config.project,
        "short_name": "Cảnh giác",
        "description": "Khóa bồi dưỡng về thủ đoạn cắt ghép hình ảnh để tống tiền: nhận biết, phòng ngừa, xử lý và trình báo. Đọc được cả khi không có mạng.",
        "lang": "vi",
        "dir": "ltr",
        "id": "./",
        "start_url": start_url,
        "scope": "./",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND,
        "categories": ["education"],
        "icons": icons,
    }


def write_manifest(app: Sphinx, outdir: Path) -> None:
    icons = outdir / ICONS
    icons.mkdir(parents=True, exist_ok=True)
    for size in ICON_SIZES:
        draw_icon(size).save(icons / f"icon-{size}.png", optimize=True)
    draw_icon(512, maskable=True).save(icons / "icon-maskable-512.png", optimize=True)
    draw_icon(180, maskable=True).convert("RGB").save(icons / "apple-touch-icon.png", optimize=True)
    # Browsers ask for /favicon.ico on a page without an icon link, such as the
    # redirect of index.html: without it, a 404 (and a console error) at every first visit.
    draw_icon(48).save(outdir / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])
    start = app.builder.get_target_uri(app.config.root_doc)
    text = json.dumps(manifest(app, start), ensure_ascii=False, indent=2)
    (outdir / MANIFEST).write_text(text + "\n", encoding="utf-8")


def _head_tags(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """The manifest, the theme colour and the home-screen icon, in every page's <head>."""
    pathto = context["pathto"]
    tags = (
        f'<link rel="manifest" href="{pathto(MANIFEST, 1)}">\n'
        f'<meta name="theme-color" content="{THEME_COLOUR}">\n'
        f'<link rel="apple-touch-icon" href="{pathto(ICONS + "/apple-touch-icon.png", 1)}">\n'
    )
    context["metatags"] = context.get("metatags", "") + tags


# ---------------------------------------------------------------- lighter figures


# A palette keeps a figure as drawn when each pixel moves by less than this, on average
# (0-255 per channel): the diagrams need 32 colours, the drawn faces 128 to 256.
PALETTE_SIZES = (32, 64, 128, 256)
MAX_MEAN_ERROR = 0.75


def palette_png(image: Image.Image) -> Image.Image:
    """The smallest palette version of `image` that stays within MAX_MEAN_ERROR of it."""
    rgba = image.convert("RGBA")
    opaque = rgba.getextrema()[3][0] == 255
    source = rgba.convert("RGB") if opaque else rgba
    for colours in PALETTE_SIZES:
        if opaque:  # median cut keeps a diagram's flat colours exact
            palette = source.quantize(
                colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
            )
        else:  # the only method of Pillow's that keeps transparency
            palette = source.quantize(
                colors=colours, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
            )
        error = ImageStat.Stat(ImageChops.difference(palette.convert(source.mode), source)).mean
        if max(error) <= MAX_MEAN_ERROR:
            break
    return palette


def lighten_png(path: Path) -> bool:
    """Rewrite a PNG as a palette PNG when that is smaller; True when it was rewritten."""
    with Image.open(path) as image:
        if image.mode == "P":
            return False
        image.load()
    palette = palette_png(image)
    with tempfile.NamedTemporaryFile(suffix=".png", dir=path.parent, delete=False) as tmp:
        palette.save(tmp, format="PNG", optimize=True)
    smaller = Path(tmp.name).stat().st_size < path.stat().st_size
    if smaller:
        Path(tmp.name).chmod(0o644)  # a temporary file is private; the figure is not
        Path(tmp.name).replace(path)
    else:
        Path(tmp.name).unlink()
    return smaller


# ---------------------------------------------------------------- what to precache


def _local_target(page: Path, ref: str, outdir: Path) -> Path | None:
    parts = urlsplit(ref)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    target = (page.parent / unquote(parts.path)).resolve()
    if outdir not in target.parents or not target.is_file():
        return None
    return target


def precache_files(outdir: Path) -> list[str]:
    """Every page of the book and every file that a page or a style sheet refers to."""
    outdir = outdir.resolve()
    found: set[Path] = set(outdir.rglob("*.html"))
    found.discard(outdir / "_static" / "webpack-macros.html")
    for pattern in ALWAYS:
        found.update(p for p in outdir.glob(pattern) if p.is_file())
    queue = list(found)
    while queue:
        path = queue.pop()
        if path.suffix not in (".html", ".css"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            refs = _REF.findall(text)
        else:
            refs = [url or imported for url, imported in _CSS_URL.findall(text)]
        for ref in refs:
            target = _local_target(path, ref, outdir)
            if target and target not in found:
                found.add(target)
                queue.append(target)
    names = {p.relative_to(outdir).as_posix() for p in found}
    names.update({MANIFEST, "favicon.ico"})
    names.update(f"{ICONS}/{p.name}" for p in (outdir / ICONS).glob("*.png"))
    return sorted(n for n in names if not NEVER.search(n) and n != SERVICE_WORKER)


def workbox_problem() -> str | None:
    """Why the service worker cannot be written here, or None."""
    if shutil.which("node") is None:
        return "không tìm thấy node (Node.js): hãy chạy `make install`"
    if not (WORKBOX_DIR / "node_modules" / "workbox-build").is_dir():
        return f"chưa cài workbox-build trong {WORKBOX_DIR}/node_modules: hãy chạy `make install`"
    return None


def write_service_worker(outdir: Path, files: list[str], purge: list[str]) -> dict:
    """PurgeCSS over the `purge` style sheets, then Workbox's generateSW over `files`.

    Writes sw.js; returns {count, size, warnings, purged}.
    """
    settings = {
        "directory": str(outdir),
        "files": files,
        "purge": sorted({p.relative_to(outdir).as_posix() for name in purge for p in outdir.glob(name)}),
        "content": [name for name in files if name.endswith((".html", ".js"))],
        "swDest": str(outdir / SERVICE_WORKER),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(settings, f)
    try:
        proc = subprocess.run(
            ["node", str(BUILD_SW), f.name], capture_output=True, text=True, cwd=WORKBOX_DIR, timeout=300
        )
    finally:
        Path(f.name).unlink()
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip() or proc.stdout.strip())
    return json.loads(proc.stdout)


# ---------------------------------------------------------------- precompressed copies


def precompress(outdir: Path) -> int:
    """A .gz and a .br beside every text file worth compressing; the number of files done.

    A copy is rewritten only when its source is newer, so a rebuild stays quick.
    """
    done = 0
    for path in outdir.rglob("*"):
        if not path.is_file() or path.suffix not in COMPRESSIBLE or path.stat().st_size < MIN_COMPRESS:
            continue
        data = None
        for suffix, compress in ((".gz", _gzip), (".br", _brotli)):
            copy = path.with_name(path.name + suffix)
            if copy.exists() and copy.stat().st_mtime >= path.stat().st_mtime:
                continue
            data = path.read_bytes() if data is None else data
            copy.write_bytes(compress(data))
        done += 1
    return done


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _brotli(data: bytes) -> bytes:
    return brotli.compress(data, quality=11)


# ---------------------------------------------------------------- the build step


def _finish(app: Sphinx, exception) -> None:
    if exception or app.builder.format != "html" or not app.config.canhgiac_pwa:
        return
    outdir = Path(app.outdir)
    write_manifest(app, outdir)
    for png in [*outdir.glob("_images/*.png"), *outdir.glob("_static/lessons/*.png")]:
        lighten_png(png)
    problem = workbox_problem()
    if problem:
        logger.warning(
            f"không tạo được service worker (đọc offline): {problem}", type="canhgiac", subtype="pwa"
        )
    else:
        try:
            files = precache_files(outdir)
            result = write_service_worker(outdir, files, app.config.canhgiac_purged_css)
        except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as error:
            logger.warning(f"Workbox không tạo được sw.js: {error}", type="canhgiac", subtype="pwa")
        else:
            for warning in result.get("warnings", []):
                logger.warning(f"Workbox: {warning}", type="canhgiac", subtype="pwa")
            for name, (before, after) in result.get("purged", {}).items():
                logger.info(f"PurgeCSS: {name} {before / 1024:.0f} KB -> {after / 1024:.0f} KB")
            logger.info(
                f"sw.js: {result['count']} tệp, {result['size'] / 1024:.0f} KB được lưu để đọc offline"
            )
    precompress(outdir)


def setup(app: Sphinx) -> None:
    app.add_config_value(
        "canhgiac_pwa",
        True,
        "html",
        types=[bool],
        description="Write the manifest, the service worker and the precompressed copies.",
    )
    app.add_config_value(
        "canhgiac_purged_css",
        PURGED_CSS,
        "html",
        types=[list],
        description="Style sheets (paths or globs in the built book) whose unused rules PurgeCSS drops.",
    )
    app.add_js_file("canhgiac-pwa.js", loading_method="defer")
    app.connect("html-page-context", _head_tags)
    # After the other build-finished steps (lessons.py draws its figures then).
    app.connect("build-finished", _finish, priority=900)
