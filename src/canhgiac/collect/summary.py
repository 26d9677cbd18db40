"""What `canhgiac collect` tells the trainer: what went where, and what was not taken and why."""

from datetime import UTC
from pathlib import Path

from canhgiac.collect.run import Collected, CollectResult
from canhgiac.course.attempts import PENDING


def _when(entry: Collected) -> str:
    # Stored in UTC as nbgrader does; shown in the trainer's own time.
    return entry.submitted_at.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def _line(entry: Collected, root: Path) -> list[str]:
    who = f"{entry.learner} ({entry.full_name})" if entry.full_name else entry.learner
    lines = [f"  {who} · bài {entry.assignment} · lưu lúc {_when(entry)} ← {', '.join(entry.origins)}"]
    if entry.folder is not None:
        where = entry.folder.relative_to(root) if entry.folder.is_relative_to(root) else entry.folder
        waiting = " (chờ chấm sau lần nộp trước, chưa chấm)" if entry.place == PENDING else ""
        lines.append(f"      → {where}/{waiting}")
    lines += [f"      Lưu ý: {note}" for note in entry.notes]
    return lines


def summary_lines(result: CollectResult, root: Path, course_arg: str) -> list[str]:
    lines: list[str] = []
    if result.collected:
        lines.append(f"Đã nhận {len(result.collected)} bài nộp mới:")
        for entry in result.collected:
            lines += _line(entry, root)
    if result.duplicates:
        lines.append(f"Đã nhận từ trước, bỏ qua {len(result.duplicates)} bài gửi lại giống hệt:")
        for entry in result.duplicates:
            lines += _line(entry, root)
    if result.refused:
        lines.append(f"Không nhận {len(result.refused)} tệp:")
        lines += [f"  {r.origin}: {r.reason}" for r in result.refused]
    if not (result.collected or result.duplicates or result.refused):
        lines.append("Không tìm thấy sổ tay (.ipynb), tệp bài làm (.json) hay tệp nén (.zip) nào.")
    if result.collected:
        lines.append(f"Tiếp theo, chấm bài: canhgiac grade{course_arg}")
    return lines
