"""What `canhgiac collect` tells the trainer: what is new and what was refused first, then what was known.

Run again over the same mail folder, collect meets mostly files it already
has: those are one counted line, not a list that would read as if learners
had sent them again.  Times are shown in the course's time zone.
"""

from pathlib import Path
from zoneinfo import ZoneInfo

from canhgiac.collect.run import Collected, CollectResult
from canhgiac.course import clock
from canhgiac.course.attempts import PENDING
from canhgiac.untrusted import shown

LATEST_RULE = 'c.CourseRules.attempt = "latest"'


def _who(entry: Collected) -> str:
    return f"{entry.learner} ({entry.full_name})" if entry.full_name else entry.learner


def time_notes(entry: Collected, tz: ZoneInfo, attempt_rule: str) -> list[str]:
    """What the trainer should know about an attempt's time, and what was decided about it."""
    notes = []
    if entry.file_dated:
        decided = (
            f"có lần nộp sau đó (lưu lúc {clock.shown(entry.later, tz)})"
            if entry.later
            else "hiện là lần nộp sau cùng của bài này"
        )
        notes.append(
            "tệp không ghi lúc học viên lưu bài (answers.json của phiên bản cũ, hoặc chỉ có sổ tay): lần nộp "
            f"được xếp theo ngày của tệp, {clock.shown(entry.submitted_at, tz)}; {decided}. Nếu học viên đã làm "
            "bài này bằng cách khác, hãy hỏi lại lần nào là sau cùng."
        )
    if entry.later_graded and entry.later:
        if attempt_rule == "best":
            decided = "lần này sẽ được chấm, và báo cáo tính lần có điểm cao nhất."
        else:
            decided = (
                f"lần lúc {clock.shown(entry.later, tz)} vẫn là lần nộp sau cùng và vẫn được tính ({LATEST_RULE}); "
                "lần này được chấm và lưu lại, không thay lần đó."
            )
        notes.append(
            f"học viên lưu bài này lúc {clock.shown(entry.submitted_at, tz)}, sớm hơn lần nộp lúc "
            f"{clock.shown(entry.later_graded, tz)} đã chấm: {decided}"
        )
    return notes


def _line(entry: Collected, root: Path, tz: ZoneInfo, attempt_rule: str) -> list[str]:
    lines = [
        f"  {_who(entry)} · bài {entry.assignment} · lưu lúc {clock.shown(entry.submitted_at, tz)} ← {', '.join(entry.origins)}"
    ]
    if entry.folder is not None:
        where = entry.folder.relative_to(root) if entry.folder.is_relative_to(root) else entry.folder
        waiting = " (chờ chấm sau lần nộp trước, chưa chấm)" if entry.place == PENDING else ""
        lines.append(f"      → {where}/{waiting}")
    lines += [f"      Lưu ý: {note}" for note in (*entry.notes, *time_notes(entry, tz, attempt_rule))]
    return lines


def summary_lines(
    result: CollectResult, root: Path, course_arg: str, tz: ZoneInfo, attempt_rule: str = "latest"
) -> list[str]:
    lines: list[str] = []
    if result.collected:
        lines.append(f"Đã nhận {len(result.collected)} bài nộp mới:")
        for entry in result.collected:
            lines += _line(entry, root, tz, attempt_rule)
    else:
        lines.append("Không có bài nộp mới.")
    if result.refused:
        lines.append(f"Không nhận {len(result.refused)} tệp:")
        lines += [f"  {shown(r.origin, 300)}: {r.reason}" for r in result.refused]
    if result.duplicates:
        files = sum(len(entry.origins) for entry in result.duplicates)
        lines.append(
            f"Đã bỏ qua {files} tệp đã nhận trước đó ({len(result.duplicates)} bài nộp giống hệt bài đã có)."
        )
    if not (result.collected or result.duplicates or result.refused):
        lines[-1:] = ["Không tìm thấy sổ tay (.ipynb), tệp bài làm (.json) hay tệp nén (.zip) nào."]
    if result.collected:
        lines.append(f"Tiếp theo, chấm bài: canhgiac grade{course_arg}")
    return lines
