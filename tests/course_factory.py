"""A throwaway course for the trainer commands' tests: two quizzes released, a roster imported.

Made once per test session (the `released_course` fixture of conftest.py)
through the real commands (`canhgiac assign`, `nbgrader generate_assignment`,
`canhgiac roster import`), then copied by each test that changes it.  The
scores that answers deserve are computed here from the bank's key, never
from the scoring code.
"""

import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

from canhgiac.bank import load_bank
from canhgiac.tools import BIN, tool_env

ROOT = Path(__file__).resolve().parents[1]
# The environment of a cron job or a trainer's plain shell: no venv on PATH, the command called by its path.
BARE_ENV = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
# What every certificate needs, as a trainer sets it in the course's nbgrader_config.py.
CERTIFICATE_SETTINGS = """
c = get_config()  # noqa: F821
c.CertificateSettings.issuer = "ỦY BAN NHÂN DÂN XÃ ĐÌNH LẬP"
c.CertificateSettings.place = "Đình Lập"
"""


def set_up_certificates(course: Path) -> None:
    """Give the course the settings its certificates need (the hosted course issues them as learners pass)."""
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8") + CERTIFICATE_SETTINGS, encoding="utf-8")


# The shortest chapter quiz and the final test: two quizzes, as in a real course.
QUIZZES = ("intro", "final")
ROSTER = [
    ("CB001", "Nguyễn Thị Lan", "UBND xã Đình Lập", "Đình Lập"),
    ("CB002", "Hoàng Văn Minh", "Công an xã Thái Bình", "Thái Bình"),
    ("CB003", "Lường Thị Hà", "Trường Tiểu học Bắc Xa", "Bắc Xa"),
    ("CB004", "Đặng Quốc Ánh", "UBND xã Đình Lập", "Đình Lập"),
    ("CB005", "Lý Thị Ửng", "Trạm Y tế xã Kiên Mộc", "Kiên Mộc"),
    ("CB006", "Phạm Văn Ơn", "Công an xã Thái Bình", "Thái Bình"),
    ("CB007", "Vi Thị Yến", "Trạm Y tế xã Kiên Mộc", "Kiên Mộc"),
    ("CB008", "Tô Văn Đức", "Trường Tiểu học Bắc Xa", "Bắc Xa"),
]
NAMES = {ident: name for ident, name, *_ in ROSTER}


def run(
    *cmd: str, cwd: Path | None = None, env: dict | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(BIN / cmd[0]), *cmd[1:]],
        cwd=cwd,
        env=env or tool_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check:
        assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def make_course(folder: Path) -> Path:
    """A course folder with QUIZZES generated (release/) and ROSTER imported."""
    run("canhgiac", "assign", "--course", str(folder))
    for source in (folder / "source").iterdir():
        if source.name not in QUIZZES:
            shutil.rmtree(source)
    for quiz in QUIZZES:
        run("nbgrader", "generate_assignment", quiz, cwd=folder)
    roster = folder.parent / "danh-sach.csv"
    lines = ["Mã,Họ và tên,Cơ quan,Xã,Email", *(",".join([*row, ""]) for row in ROSTER)]
    roster.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    run("canhgiac", "roster", "import", str(roster), "--course", str(folder))
    return folder


def copy_course(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest)
    return dest


def questions(quiz: str):
    return load_bank(ROOT / "quizzes" / "bank").graded(quiz)


def wrong_answer(q) -> list[str]:
    """A complete answer that is not the key (another option, or a swapped order)."""
    ids = [o.id for o in q.options]
    if q.kind == "order":
        return [q.answer[1], q.answer[0], *q.answer[2:]]
    if q.kind == "multiple":
        return [i for i in ids if i not in q.answer][:1] or ids[:1]
    return [next(i for i in ids if i not in q.answer)]


def answers_for(plan: str, quiz: str) -> tuple[dict[str, list[str]], dict[str, float]]:
    """The answers of a plan ('all', 'none', 'partly', 'first-<n>' right), and each question's deserved score."""
    qs = questions(quiz)
    if plan == "all":
        right = {q.id for q in qs}
    elif plan == "none":
        right = set()
    elif plan == "partly":
        right = {q.id for i, q in enumerate(qs) if i % 2 == 0}
    else:
        right = {q.id for q in qs[: int(plan.split("-")[1])]}
    answers = {q.id: (list(q.answer) if q.id in right else wrong_answer(q)) for q in qs}
    return answers, {q.id: (float(q.points) if q.id in right else 0.0) for q in qs}


def book_file(learner: str, quiz: str, answers: dict, saved_at: datetime, name: str | None = None) -> str:
    """What a quiz page of the book downloads as `<learner>_<quiz>.json`."""
    return json.dumps(
        {
            "learner": learner,
            "name": NAMES.get(learner, "") if name is None else name,
            "assignment": quiz,
            "saved_at": saved_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "answers": answers,
        },
        ensure_ascii=False,
    )
