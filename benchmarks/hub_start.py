"""Seconds that `canhgiac hub run` spends on the roster's accounts before the hub starts, before and after.

Before (commit 22572b5): each start made, before starting anything, an account (bcrypt, cost 10)
for every roster person without one, one after the other: 2,000 took over 4.5 minutes on this
machine under load, the first start of a 20,000-learner course most of an hour.  After: a start
compares the roster with the accounts (one query, a set difference), makes the trainers'
accounts, and leaves everyone else's to a background thread while the hub runs.

SETUP (not timed)  a course with N learners (default 2,000) and one trainer, imported with
       `canhgiac roster import`, copied once per contender so that each starts from no account.

CONTENDERS (timed, time.perf_counter, each once, in the same run)
       before   the previous code's start step (its canhgiac/hub/accounts.py, read from git at
                22572b5): create_accounts over the whole roster + the CSV file
       after    this code's start step: canhgiac.hub.run.Accounts(course).prepare()
       Each is timed at a first start (no account yet) and at a second start (every account there).
       --background also times the background thread of `after` until every account exists.

RESULT  seconds per contender and start, and the ratio before / after (the goal: the start does
       not grow with the roster beyond a comparison).  CHECK: after the background thread, every
       roster person has an account whose hash matches the password in the CSV (a sample of 20).

Run: .venv/bin/python benchmarks/hub_start.py [--people 2000] [--background] [--json]
"""

import argparse
import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bcrypt
from markdown_table import markdown_table  # beside this script

from canhgiac.course import Course
from canhgiac.roster import import_roster

BEFORE_COMMIT = "22572b5"
ROOT = Path(__file__).resolve().parents[1]


def make_course(folder: Path, people: int) -> Path:
    roster = folder / "ds.csv"
    with roster.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Mã", "Họ và tên", "Cơ quan", "Xã", "Email", "Vai trò"])
        writer.writerow(["GV-0001", "Trần Thị Huấn", "Sở Nội vụ", "", "", "cán bộ phụ trách"])
        for i in range(1, people + 1):
            writer.writerow([f"LS-{i:05d}", f"Học Viên Số {i}", f"UBND xã {i % 40}", f"Xã {i % 40}", "", ""])
    course = folder / "template"
    import_roster(Course(course), roster)
    return course


def old_accounts_module(folder: Path):
    """The previous code's accounts.py, imported from git under another name."""
    text = subprocess.run(
        ["git", "show", f"{BEFORE_COMMIT}:src/canhgiac/hub/accounts.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = folder / "old_accounts.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_accounts", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def before_start(course: Course, old) -> float:
    """The previous start's account step (hub/run.py prepare at 22572b5, without the trainer it adds)."""
    started = time.perf_counter()
    accounts = old.create_accounts(course)
    if accounts:
        old.write_accounts_csv(accounts, old.hub_folder(course) / "tai-khoan.csv")
    return time.perf_counter() - started


def after_start(course: Course) -> tuple[float, object]:
    from canhgiac.hub.run import Accounts

    accounts = Accounts(course)
    started = time.perf_counter()
    accounts.prepare()
    return time.perf_counter() - started, accounts


def check_accounts(course: Course, files: list[Path]) -> None:
    from nativeauthenticator.orm import UserInfo
    from sqlalchemy import select

    from canhgiac.hub.accounts import hub_db_url, hub_username, open_hub_db
    from canhgiac.roster import load_learners

    passwords = {}
    for file in files:
        with file.open(encoding="utf-8-sig") as stream:
            passwords.update({row["Mã"]: row["Mật khẩu ban đầu"] for row in csv.DictReader(stream)})
    session = open_hub_db(hub_db_url(course))
    try:
        hashes = {info.username: info.password for info in session.scalars(select(UserInfo))}
    finally:
        session.close()
    learners = load_learners(course)
    missing = [ident for ident in learners if hub_username(ident) not in hashes]
    if missing or set(passwords) != set(learners):
        sys.exit(
            f"CHECK failed: {len(missing)} without account, {len(set(learners) - set(passwords))} not in the CSV"
        )
    for ident in sorted(passwords)[:: max(1, len(passwords) // 20)]:
        if not bcrypt.checkpw(passwords[ident].encode(), hashes[hub_username(ident)]):
            sys.exit(f"CHECK failed: the password of {ident} in the CSV does not match its account")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000, help="learners in the roster (default 2000)")
    parser.add_argument("--background", action="store_true", help="also time the background accounts")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args()
    os.environ.pop("CANHGIAC_HUB_DB_URL", None)
    os.environ.pop("CANHGIAC_HUB_CONFIG", None)

    with tempfile.TemporaryDirectory(prefix="canhgiac-hub-start-") as tmp:
        folder = Path(tmp)
        template = make_course(folder, args.people)
        old = old_accounts_module(folder)
        results = {"people": args.people, "cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}

        course = Course(shutil.copytree(template, folder / "before"))
        results["before_first"] = before_start(course, old)
        results["before_second"] = before_start(course, old)

        course = Course(shutil.copytree(template, folder / "after"))
        results["after_first"], accounts = after_start(course)
        if args.background:
            started = time.perf_counter()
            accounts.start_background()
            accounts.thread.join()
            results["after_background"] = time.perf_counter() - started
        accounts.stop()
        results["after_second"], again = after_start(course)
        again.stop()
        if args.background:
            check_accounts(course, sorted((course.root / "hub").glob("tai-khoan-*.csv")))
        results["load_after"] = os.getloadavg()[0]

    rows = [("start", "before (s)", "after (s)", "before / after")]
    for start in ("first", "second"):
        before, after = results[f"before_{start}"], results[f"after_{start}"]
        rows.append((f"{start} start", f"{before:.2f}", f"{after:.2f}", f"{before / after:.0f}×"))
    print(
        f"{args.people} learners + 1 trainer, {results['cpus']} cores, "
        f"load average {results['load_before']:.1f} → {results['load_after']:.1f}"
    )
    markdown_table(rows)
    if args.background:
        print(f"after: every learner's account made in the background in {results['after_background']:.1f} s")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
