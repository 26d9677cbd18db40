"""What the grading kernel's jail costs: seconds to start a kernel and run the grading import, jailed or not.

CONTENDERS (timed, time.perf_counter, alternating, --repeat times each)
       jailed   canhgiac.grade.kernel.SandboxedKernelManager with the jail that
                `canhgiac grade` finds on this machine (canhgiac.grade.jail.probe):
                no network, hidden folders, an unprivileged user, limits.
       plain    the same manager with no jail (GradeSettings.isolate = False):
                its own folder, ipc sockets, an empty environment.
       Each: start the kernel, wait until it is ready, run
       `import canhgiac.quiz.grading` (what every grade cell does), stop it.

Also timed: the probe, once (paid once per `canhgiac grade` run).  The cost
per kernel is (jailed median) / (plain median), on the same machine, side by side.

Run: .venv/bin/python benchmarks/jail.py [--repeat N]
"""

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from markdown_table import markdown_table  # beside this script

from canhgiac.grade.jail import Policy, hidden_folders, probe
from canhgiac.grade.kernel import SandboxedKernelManager


async def start_and_import(policy: str, kernels_folder: Path, cwd: Path) -> float:
    manager = SandboxedKernelManager(jail_policy=policy, kernels_folder=str(kernels_folder))
    start = time.perf_counter()
    await manager.start_kernel(cwd=str(cwd))
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=120)
        reply = await client.execute_interactive(
            "import canhgiac.quiz.grading", timeout=120, output_hook=lambda _: None
        )
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the kernel failed: {reply['content']}")
        return time.perf_counter() - start
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)


async def run(repeat: int) -> int:
    kernels_folder = Path(tempfile.mkdtemp(prefix="canhgiac-kernels-bench-"))
    kernels_folder.chmod(0o711)
    course = Path(tempfile.mkdtemp(prefix="canhgiac-bench-course-"))
    (course / "answers.json").write_text("{}\n", encoding="utf-8")
    try:
        hide, keep = hidden_folders([course, Path.home(), Path("/home"), Path("/root")], kernels_folder)
        start = time.perf_counter()
        policy = probe(Policy(hide=hide, keep=keep), kernels_folder)
        probe_seconds = time.perf_counter() - start
        times: dict[str, list[float]] = {"jailed": [], "plain": []}
        for _ in range(repeat):
            times["jailed"].append(await start_and_import(policy.to_json(), kernels_folder, course))
            times["plain"].append(await start_and_import("", kernels_folder, course))
    finally:
        shutil.rmtree(kernels_folder, ignore_errors=True)
        shutil.rmtree(course, ignore_errors=True)
    rows = [("kernel", "median (s)", "runs (s)")]
    for name, runs in times.items():
        rows.append((name, f"{statistics.median(runs):.3f}", ", ".join(f"{r:.2f}" for r in runs)))
    markdown_table(rows)
    cost = statistics.median(times["jailed"]) / statistics.median(times["plain"])
    print(f"\nprobe (once per run): {probe_seconds:.2f} s")
    print(f"cost of the jail per kernel: jailed / plain = {cost:.2f}")
    print("jail here: " + "; ".join(policy.describe()))
    for missing in policy.missing:
        print(f"not here: {missing}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=6, help="kernels started per contender (alternating)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return asyncio.run(run(args.repeat))


if __name__ == "__main__":
    sys.exit(main())
