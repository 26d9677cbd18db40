"""How our book build compares with a stock Jupyter Book 1 build of the same pages.

Shared machines are noisy, so nothing here is a timed test with a threshold in
seconds: both builds run side by side on the same machine, interleaved
(ours, stock, ours, stock...), and what is reported is the ratio ours/stock of
the medians over --repeat rounds (3 by default; --quick runs 1).

OURS   a temporary copy of the book sources (_config.yml, _toc.yml, book/,
       notebooks/, quizzes/bank/), built with the repo's _config.yml.
STOCK  a temporary copy of the same pages, _toc.yml and bank, with a minimal
       _config.yml: a title, no notebook execution, only the pages of the TOC,
       and just what the Markdown needs to parse - the directives and roles of
       canhgiac.sphinxext.content ({fact}, {facts-table}, {coverage-table},
       {practice-quiz}) and matplotlib's {plot} with plot_basedir: book.  None of
       our theme changes (search, Vietnamese UI, light assets, plot options).
       This is what the same course would be with Jupyter Book's defaults.

Measured for each:
  1. a full build from an empty output folder;
  2. a rebuild with nothing changed (the edit-build-look loop of an author);
  3. a rebuild after one page changes (a sentence appended to book/nhan-biet.md);
  4. what one page costs a learner: each _build/html is served on 127.0.0.1 and
     Chromium (Playwright, a fresh context per load, so no cache) opens a
     chapter with a quiz and a figure (book/thu-doan.html) and a plain page
     (book/phu-luc/thuat-ngu.html), waits for load and network idle, and counts
     the requests, the bytes transferred (response bodies plus headers) and the
     requests to any other host (ours must make none: learners may be offline
     or behind a filtering proxy, and a third-party host learns who reads what).

  5. the course offline (issue 15): bytes of every file that our service worker
     precaches (the compressed copy that `canhgiac serve` sends), and the time to
     first render (first-contentful-paint) of the chapter on an emulated slow
     connection (Chromium's network throttling through CDP: 400 kbit/s both ways,
     400 ms latency), on the first visit (empty cache) and the second (same
     browser profile; ours once its service worker has taken control).

Both outputs are served by `canhgiac serve`'s server, each with the precompressed
copies that our build writes (the stock output gets them from the same
canhgiac.sphinxext.pwa.precompress after its build), so that bytes compare what
the pages load, not whether a file was compressed.  Bytes are as Chromium
transferred them: compressed bodies plus headers.

The goals: a page that weighs at most a third of the stock page; the first visit
to a chapter at most 120 KB (by the load event; our service worker starts
precaching after it); the offline course under 3 MB.

Both builds use the strict flags of `make book` (-W -n --keep-going), so a
broken page or a missing bank file fails the benchmark instead of timing a
broken book; the build's problems are printed and the exit status is 1.

Run: make bench, or .venv/bin/python benchmarks/book.py [--repeat N | --quick] [--json]
"""

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import yaml
from chromium import CHROMIUM_ARGS, chromium_executable
from markdown_table import markdown_table  # beside this script
from playwright.sync_api import Browser, sync_playwright

from canhgiac.serve import make_server
from canhgiac.sphinxext.pwa import precompress

REPO = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
STRICT = ["-W", "-n", "--keep-going"]  # as JB_STRICT in the Makefile
SOURCES = ["_config.yml", "_toc.yml", "book", "notebooks", "quizzes/bank"]
CHANGED_PAGE = "book/nhan-biet.md"
PAGES = {"thu-doan": "book/thu-doan.html", "thuat-ngu": "book/phu-luc/thuat-ngu.html"}
VARIANTS = ("ours", "stock")
GOAL = 0.33  # page bytes, ours/stock
FIRST_VISIT_GOAL = 120 * 1024  # bytes of the first visit to a chapter, by load
OFFLINE_GOAL = 3 * 1024 * 1024  # bytes of the whole offline course
SLOW = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
SLOW_PAGE = PAGES["thu-doan"]
BUILD_METRICS = {
    "full": "full build (s)",
    "noop": "rebuild, no change (s)",
    "change": "rebuild, one page changed (s)",
}
PAGE_METRICS = {
    "bytes": "bytes",
    "load_bytes": "bytes by the load event (first visit)",
    "requests": "requests",
    "external": "requests off 127.0.0.1",
}
OFFLINE_METRICS = {
    "offline_bytes": "offline course: bytes precached (compressed)",
    "offline_files": "offline course: files precached",
    "slow_first": f"{SLOW_PAGE}: first render, slow connection, first visit (s)",
    "slow_second": f"{SLOW_PAGE}: first render, slow connection, second visit (s)",
}


class BuildError(Exception):
    def __init__(self, variant: str, step: str, output: str) -> None:
        super().__init__(f"{variant.upper()} book: jupyter-book build failed ({BUILD_METRICS[step]})")
        self.output = output


def stock_config() -> str:
    title = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))["title"]
    config = {
        "title": title,
        "execute": {"execute_notebooks": "off"},
        "only_build_toc_files": True,
        "sphinx": {
            "extra_extensions": ["canhgiac.sphinxext.content", "matplotlib.sphinxext.plot_directive"],
            "config": {"plot_basedir": "book"},
        },
    }
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False)


def copy_sources(dest: Path, config: str | None) -> None:
    """The book sources into `dest`; `config` replaces _config.yml when given."""
    for name in SOURCES:
        src, dst = REPO / name, dest / name
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "_build"))
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    if config is not None:
        (dest / "_config.yml").write_text(config, encoding="utf-8")


def build(variant: str, step: str, folder: Path) -> float:
    """Seconds taken by `jupyter-book build folder`; BuildError if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(folder), *STRICT],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        output = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)  # no colours
        raise BuildError(variant, step, output.replace(f"{folder}/", ""))  # paths as in the repo
    return elapsed


def clear_output(folder: Path) -> None:
    shutil.rmtree(folder / "_build", ignore_errors=True)


def change_page(folder: Path) -> None:
    with open(folder / CHANGED_PAGE, "a", encoding="utf-8") as page:
        page.write("\n\nCâu này được thêm vào để đo thời gian dựng lại sau một thay đổi nhỏ.\n")


def load_page(browser: Browser, base_url: str, path: str) -> dict[str, int]:
    """Requests, bytes and off-host requests of one page load with an empty cache.

    Only the page's own requests: a service worker's precaching after the load
    is the offline course (offline_course), not the cost of this page.
    """
    context = browser.new_context()
    try:
        page = context.new_page()
        finished, external = [], []
        page.on("requestfinished", lambda r: finished.append(r))
        page.on(
            "request",
            lambda r: None if r.url.startswith(("data:", "blob:", base_url)) else external.append(r.url),
        )
        page.goto(base_url + path, wait_until="load")
        by_load = [r.sizes() for r in finished]
        page.wait_for_load_state("networkidle")
        sizes = [r.sizes() for r in finished]
    finally:
        context.close()

    def total(sizes: list[dict]) -> int:
        return sum(max(s["responseBodySize"], 0) + max(s["responseHeadersSize"], 0) for s in sizes)

    return {
        "bytes": total(sizes),
        "load_bytes": total(by_load),
        "requests": len(finished),
        "external": len(external),
    }


def offline_course(html: Path) -> dict[str, int]:
    """Files and bytes that the service worker precaches, as served (the .br copy when there is one)."""
    sw = html / "sw.js"
    if not sw.is_file():
        return {}
    urls = re.findall(r'url:"([^"]+)"', sw.read_text(encoding="utf-8"))
    served = [html / f"{u}.br" if (html / f"{u}.br").is_file() else html / u for u in urls]
    return {"offline_files": len(urls), "offline_bytes": sum(p.stat().st_size for p in served)}


FCP_JS = """
() => new Promise((resolve) => {
  const seen = performance.getEntriesByName("first-contentful-paint")[0];
  if (seen) return resolve(seen.startTime);
  new PerformanceObserver((list, observer) => {
    const entry = list.getEntriesByName("first-contentful-paint")[0];
    if (entry) { observer.disconnect(); resolve(entry.startTime); }
  }).observe({type: "paint", buffered: true});
})
"""


def slow_visits(browser: Browser, base_url: str, path: str) -> dict[str, float]:
    """Seconds to first render of `path` on a throttled connection: first visit, then second.

    Between them, the page may finish loading and, for ours, the service worker
    precaches the course (unthrottled: Chromium's throttling applies to pages),
    as it would while a learner reads the first page.
    """
    context = browser.new_context()
    try:
        times = {}
        for visit in ("slow_first", "slow_second"):
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW)
            page.goto(base_url + path, wait_until="commit", timeout=300_000)
            times[visit] = page.evaluate(FCP_JS) / 1000
            page.wait_for_load_state("load", timeout=300_000)
            if visit == "slow_first":
                has_worker = page.evaluate(
                    "'serviceWorker' in navigator && !!document.querySelector('script[src*=pwa]')"
                )
                if has_worker:
                    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=300_000)
            page.close()
    finally:
        context.close()
    return times


def serve(stack: ExitStack, root: Path) -> str:
    """Serve `root` on a free port of 127.0.0.1 until `stack` closes; its base URL."""
    server = stack.enter_context(make_server(root, "127.0.0.1", 0))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stack.callback(server.shutdown)
    return f"http://127.0.0.1:{server.server_address[1]}/"


def run(repeat: int, log: Callable[[str], None]) -> dict[str, dict[str, list[float]]]:
    """Every measurement of every round: runs[variant][metric] = [value per round]."""
    runs: dict[str, dict[str, list[float]]] = {v: {} for v in VARIANTS}
    configs = {"ours": None, "stock": stock_config()}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="canhgiac-bench-")))
        folders = {v: tmp / v for v in VARIANTS}
        for variant, folder in folders.items():
            copy_sources(folder, configs[variant])
        urls = {v: serve(stack, folders[v] / "_build" / "html") for v in VARIANTS}
        browser = stack.enter_context(sync_playwright()).chromium.launch(
            executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS
        )
        stack.callback(browser.close)
        for round_ in range(1, repeat + 1):
            for step, prepare in (("full", clear_output), ("noop", None), ("change", change_page)):
                for variant in VARIANTS:
                    log(f"round {round_}/{repeat}: {BUILD_METRICS[step]}, {variant}")
                    if prepare:
                        prepare(folders[variant])
                    runs[variant].setdefault(step, []).append(build(variant, step, folders[variant]))
            precompress(folders["stock"] / "_build" / "html")  # as ours: served compressed
            for name, path in PAGES.items():
                for variant in VARIANTS:
                    log(f"round {round_}/{repeat}: loading {path}, {variant}")
                    for key, value in load_page(browser, urls[variant], path).items():
                        runs[variant].setdefault(f"{name} {key}", []).append(value)
            for variant in VARIANTS:
                log(f"round {round_}/{repeat}: slow connection, {SLOW_PAGE}, {variant}")
                measures = {**offline_course(folders[variant] / "_build" / "html")}
                measures.update(slow_visits(browser, urls[variant], SLOW_PAGE))
                for key, value in measures.items():
                    runs[variant].setdefault(key, []).append(value)
    return runs


def summarize(runs: dict[str, dict[str, list[float]]]) -> dict:
    medians = {v: {m: statistics.median(vals) for m, vals in runs[v].items()} for v in VARIANTS}
    ours, stock = medians["ours"], medians["stock"]
    ratios = {m: ours[m] / stock[m] if stock.get(m) else None for m in ours}
    page_ratios = {name: ratios[f"{name} bytes"] for name in PAGES}
    first_visit = {name: ours[f"{name} load_bytes"] for name in PAGES}
    offline = ours.get("offline_bytes")
    return {
        **medians,
        "ratio": ratios,
        "goal": {
            "page_bytes_ratio_max": GOAL,
            "page_bytes_ratio": page_ratios,
            "first_visit_bytes_max": FIRST_VISIT_GOAL,
            "first_visit_bytes": first_visit,
            "offline_bytes_max": OFFLINE_GOAL,
            "offline_bytes": offline,
            "pass": all(r is not None and r <= GOAL for r in page_ratios.values())
            and all(b <= FIRST_VISIT_GOAL for b in first_visit.values())
            and offline is not None
            and offline < OFFLINE_GOAL,
        },
        "runs": runs,
    }


def print_table(result: dict, repeat: int) -> None:
    labels = dict(BUILD_METRICS)
    for name, path in PAGES.items():
        labels.update({f"{name} {key}": f"{path}: {label}" for key, label in PAGE_METRICS.items()})
    labels.update(OFFLINE_METRICS)
    rows = [("metric", "ours", "stock", "ratio (ours/stock)")]
    for metric, label in labels.items():
        ours, stock, ratio = (
            result["ours"].get(metric),
            result["stock"].get(metric),
            result["ratio"].get(metric),
        )
        fmt = "{:.2f}" if metric in BUILD_METRICS or metric.startswith("slow") else "{:,.0f}"
        rows.append(
            (
                label,
                "-" if ours is None else fmt.format(ours),
                "-" if stock is None else fmt.format(stock),
                "-" if ratio is None else f"{ratio:.2f}",
            )
        )
    runs = "1 run" if repeat == 1 else f"median of {repeat} interleaved runs"
    print(f"Cảnh giác book vs stock Jupyter Book 1, same pages ({runs})\n")
    markdown_table(rows)
    goal = result["goal"]
    detail = ", ".join(f"{name} {r:.2f}" for name, r in goal["page_bytes_ratio"].items())
    first = ", ".join(f"{name} {b / 1024:.0f} KB" for name, b in goal["first_visit_bytes"].items())
    offline = goal["offline_bytes"]
    print(f"\npage bytes ratio <= {GOAL}: {detail}")
    print(f"first visit <= {FIRST_VISIT_GOAL // 1024} KB by load: {first}")
    print(
        f"offline course < {OFFLINE_GOAL // 1024 // 1024} MB: {'-' if offline is None else f'{offline / 1024:.0f} KB'}"
    )
    print(f"goals: {'PASS' if goal['pass'] else 'MISS'}")
    if any(result["ours"][f"{name} external"] for name in PAGES):
        print("our pages made requests to other hosts: see 'requests off 127.0.0.1' (should be 0)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; the median is reported")
    parser.add_argument("--quick", action="store_true", help="one round (same as --repeat 1)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    if repeat < 1:
        parser.error("--repeat must be at least 1")
    missing = [name for name in SOURCES if not (REPO / name).exists()]
    if missing:
        print(f"benchmarks/book.py: missing book sources: {', '.join(missing)}", file=sys.stderr)
        return 1

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        runs = run(repeat, log)
    except BuildError as error:
        problems = [line for line in error.output.splitlines() if re.search(r"WARNING|ERROR|Error", line)]
        print(f"\n{error}. Its problems:", file=sys.stderr)
        print("\n".join(problems or error.output.splitlines()[-40:]), file=sys.stderr)
        return 1
    result = summarize(runs)
    if args.json:
        print(json.dumps({"repeat": repeat, **result}, ensure_ascii=False, indent=2))
    else:
        print_table(result, repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
