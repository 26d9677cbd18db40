"""What `canhgiac grade` tells the trainer at the end: graded, failed and why, needing a look.

Times are shown in the course's time zone (CourseRules.time_zone).
"""

from zoneinfo import ZoneInfo

from canhgiac.course.clock import shown as shown_time
from canhgiac.grade.run import Graded, GradeResult
from canhgiac.untrusted import shown


def _who(result: GradeResult, learner: str) -> str:
    name = result.names.get(learner)
    return f"{shown(learner)} ({name})" if name else shown(learner)


def time_note(g: Graded, tz: ZoneInfo, attempt_rule: str) -> str | None:
    """What the trainer should know about when an attempt was made, and what was decided; None when nothing."""
    parts = []
    if g.later is not None:
        counted = (
            "báo cáo tính lần có điểm cao nhất"
            if attempt_rule == "best"
            else f"lần lúc {shown_time(g.later, tz)} vẫn là lần nộp sau cùng và vẫn được tính"
        )
        parts.append(
            f"lưu lúc {shown_time(g.submitted_at, tz)}, sớm hơn lần nộp lúc {shown_time(g.later, tz)} đã chấm trước đó: "
            f"{counted}"
        )
    if g.file_dated:
        is_latest = g.latest is None or g.latest == g.submitted_at
        counted = (
            (
                "là lần nộp sau cùng của bài này"
                if is_latest
                else f"có lần nộp sau đó, lúc {shown_time(g.latest, tz)}"
            )
            if attempt_rule != "best"
            else "báo cáo tính lần có điểm cao nhất"
        )
        parts.append(
            f"không ghi lúc học viên lưu bài: xếp theo ngày của tệp nhận được, {shown_time(g.submitted_at, tz)}; {counted}"
        )
    return "; ".join(parts) or None


def summary_lines(result: GradeResult, tz: ZoneInfo, attempt_rule: str = "latest") -> list[str]:
    new = [g for g in result.graded if not g.regraded]
    held = held_lines(result)
    if not result.graded and not result.failed:
        return ["Không có bài nộp mới nào cần chấm.", *held]
    lines = [f"Đã chấm: {len(new)} bài nộp.", *held]
    timed = [(g, note) for g in new if (note := time_note(g, tz, attempt_rule))]
    if timed:
        lines.append(f"Lưu ý về thời điểm nộp bài: {len(timed)} bài:")
        lines += [
            f"  {_who(result, g.learner)} · bài {g.assignment} · {g.score:g}/{g.max_score:g} điểm: {note}"
            for g, note in timed
        ]
    elif len(result.graded) > len(new):
        lines.append("Đã chấm lại lần nộp sau cùng để sổ điểm nbgrader giữ lần đó.")
    if result.failed:
        lines.append(f"Không chấm được: {len(result.failed)} bài (sẽ chấm lại ở lần chạy sau):")
        lines += [
            f"  {_who(result, f.learner)} · bài {shown(f.assignment)} · nộp lúc {shown_time(f.submitted_at, tz)}: {f.reason}"
            for f in result.failed
        ]
    if result.untimed:
        lines.append(
            f"Không có timestamp.txt: {len(result.untimed)} bài, lấy giờ nộp là giờ sửa đổi thư mục bài nộp "
            "(đã ghi vào timestamp.txt của bài):"
        )
        lines += [
            f"  {a.learner} · bài {a.assignment} · nộp lúc {shown_time(a.submitted_at, tz)}"
            for a in result.untimed
        ]
    if result.review:
        lines.append(f"Cần xem lại: {len(result.review)} bài (đã chấm):")
        for g in result.review:
            lines.append(
                f"  {_who(result, g.learner)} · bài {g.assignment} · nộp lúc {shown_time(g.submitted_at, tz)} · "
                f"{g.score:g}/{g.max_score:g} điểm: {'; '.join(g.notes)}"
            )
    return lines


def held_lines(result: GradeResult) -> list[str]:
    """The learners' quizzes left to the hosted graders, which were grading them."""
    if not result.held_elsewhere:
        return []
    shown_keys = [
        f"{_who(result, learner)} · bài {shown(quiz)}" for learner, quiz in result.held_elsewhere[:20]
    ]
    more = len(result.held_elsewhere) - len(shown_keys)
    return [
        f"Để lại cho bộ chấm trực tuyến (canhgiac hub graders): {len(result.held_elsewhere)} bài đang được "
        "bộ chấm đó chấm, lệnh này không chấm trùng:",
        *(f"  {line}" for line in shown_keys),
        *([f"  và {more} bài khác."] if more > 0 else []),
    ]


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
