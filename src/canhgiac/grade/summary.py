"""What `canhgiac grade` tells the trainer at the end: graded, failed and why, needing a look."""

from datetime import UTC, datetime

from canhgiac.grade.run import GradeResult
from canhgiac.untrusted import shown


def _when(moment: datetime) -> str:
    # Stored in UTC as nbgrader does; shown in the trainer's own time.
    return moment.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")


def summary_lines(result: GradeResult) -> list[str]:
    new = [g for g in result.graded if not g.regraded]
    again = len(result.graded) - len(new)
    if not result.graded and not result.failed:
        return ["Không có bài nộp mới nào cần chấm."]
    line = f"Đã chấm: {len(new)} bài nộp."
    if again:
        line += f" Chấm lại {again} bài để sổ điểm nbgrader giữ lần nộp mới nhất."
    lines = [line]
    if result.failed:
        lines.append(f"Không chấm được: {len(result.failed)} bài (sẽ chấm lại ở lần chạy sau):")
        lines += [
            f"  {shown(f.learner)} · bài {shown(f.assignment)} · nộp lúc {_when(f.submitted_at)}: {f.reason}"
            for f in result.failed
        ]
    if result.untimed:
        lines.append(
            f"Không có timestamp.txt: {len(result.untimed)} bài, lấy giờ nộp là giờ sửa đổi thư mục bài nộp "
            "(đã ghi vào timestamp.txt của bài):"
        )
        lines += [
            f"  {a.learner} · bài {a.assignment} · nộp lúc {_when(a.submitted_at)}" for a in result.untimed
        ]
    if result.review:
        lines.append(f"Cần xem lại: {len(result.review)} bài (đã chấm):")
        for g in result.review:
            lines.append(
                f"  {g.learner} · bài {g.assignment} · nộp lúc {_when(g.submitted_at)} · "
                f"{g.score:g}/{g.max_score:g} điểm: {'; '.join(g.notes)}"
            )
    return lines


def isolation_lines(result: GradeResult) -> list[str]:
    """What held around the grading kernels, and what this machine did not allow."""
    policy = result.isolation
    if result.isolation_off:
        return [
            "Cô lập khi chấm: chỉ chạy các ô của bài gốc; nhân Python không bị rào (c.GradeSettings.isolate = False)."
        ]
    if policy is None:
        return []
    lines = ["Cô lập khi chấm (chỉ chạy các ô của bài gốc): " + "; ".join(policy.describe()) + "."]
    lines += [f"  Chưa cô lập được: {m}." for m in policy.missing]
    return lines
