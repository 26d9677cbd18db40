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

The goal is a page that weighs at most a third of the stock page.

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

REPO = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
STRICT = ["-W", "-n", "--keep-going"]  # as JB_STRICT in the Makefile
SOURCES = ["_config.yml", "_toc.yml", "book", "notebooks", "quizzes/bank"]
CHANGED_PAGE = "book/nhan-biet.md"
PAGES = {"thu-doan": "book/thu-doan.html", "thuat-ngu": "book/phu-luc/thuat-ngu.html"}
VARIANTS = ("ours", "stock")
GOAL = 0.33  # page bytes, ours/stock
BUILD_METRICS = {
    "full": "full build (s)",
    "noop": "rebuild, no change (s)",
    "change": "rebuild, one page changed (s)",
}
PAGE_METRICS = {"bytes": "bytes", "requests": "requests", "external": "requests off 127.0.0.1"}


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
    """Requests, bytes and off-host requests of one page load with an empty cache."""
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
        page.wait_for_load_state("networkidle")
        sizes = [r.sizes() for r in finished]
    finally:
        context.close()
    transferred = sum(max(s["responseBodySize"], 0) + max(s["responseHeadersSize"], 0) for s in sizes)
    return {"bytes": transferred, "requests": len(finished), "external": len(external)}


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
            for name, path in PAGES.items():
                for variant in VARIANTS:
                    log(f"round {round_}/{repeat}: loading {path}, {variant}")
                    for key, value in load_page(browser, urls[variant], path).items():
                        runs[variant].setdefault(f"{name} {key}", []).append(value)
    return runs


def summarize(runs: dict[str, dict[str, list[float]]]) -> dict:
    medians = {v: {m: statistics.median(vals) for m, vals in runs[v].items()} for v in VARIANTS}
    ours, stock = medians["ours"], medians["stock"]
    ratios = {m: ours[m] / stock[m] if stock[m] else None for m in ours}
    page_ratios = {name: ratios[f"{name} bytes"] for name in PAGES}
    return {
        **medians,
        "ratio": ratios,
        "goal": {
            "page_bytes_ratio_max": GOAL,
            "page_bytes_ratio": page_ratios,
            "pass": all(r is not None and r <= GOAL for r in page_ratios.values()),
        },
        "runs": runs,
    }


def print_table(result: dict, repeat: int) -> None:
    labels = dict(BUILD_METRICS)
    for name, path in PAGES.items():
        labels.update({f"{name} {key}": f"{path}: {label}" for key, label in PAGE_METRICS.items()})
    rows = [("metric", "ours", "stock", "ratio (ours/stock)")]
    for metric, label in labels.items():
        ours, stock, ratio = result["ours"][metric], result["stock"][metric], result["ratio"][metric]
        fmt = "{:.2f}" if metric in BUILD_METRICS else "{:,.0f}"
        rows.append((label, fmt.format(ours), fmt.format(stock), "-" if ratio is None else f"{ratio:.2f}"))
    runs = "1 run" if repeat == 1 else f"median of {repeat} interleaved runs"
    print(f"Cảnh giác book vs stock Jupyter Book 1, same pages ({runs})\n")
    markdown_table(rows)
    goal = result["goal"]
    detail = ", ".join(f"{name} {r:.2f}" for name, r in goal["page_bytes_ratio"].items())
    print(f"\npage bytes ratio <= {GOAL} (goal): {'PASS' if goal['pass'] else 'MISS'} ({detail})")
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
