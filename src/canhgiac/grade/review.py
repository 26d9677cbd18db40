"""Reading nbgrader's grading log for the trainer: why a grading failed, and what needs a look.

nbgrader says it in English, in its log; the trainer reads Vietnamese, in the summary.
"""

import re

from canhgiac.grade.database import is_lock_error

# (pattern in nbgrader's error or log, the reason for the trainer), first match wins.
FAILURES = (
    (
        r"No assignment with ID",
        "bài này chưa có trong sổ điểm: hãy chạy nbgrader generate_assignment cho bài",
    ),
    (r"No notebooks found", "không có sổ tay nào của bài này để chấm"),
    (
        r"CellTimeoutError|Timeout waiting for|timed out",
        "một ô của sổ tay chạy quá thời gian cho phép (Execute.timeout)",
    ),
    (r"DeadKernelError|Kernel died|kernel became unresponsive", "nhân Python dừng đột ngột khi chạy sổ tay"),
    (r"Invalid timestamp", "tệp timestamp.txt của bài nộp không đọc được"),
    (r"SchemaTooOld|SchemaTooNew|metadata format", "sổ tay dùng dạng siêu dữ liệu nbgrader khác phiên bản"),
    (r"NotJSONError|Notebook does not appear to be JSON|UnicodeDecodeError", "sổ tay hỏng, không mở được"),
)

# (pattern in the log of a grading that succeeded, what the trainer should look at).  Not
# "Attribute 'checksum' ... has changed": nbgrader logs it for every graded cell of every quiz,
# since the released cells lack their hidden tests.  `canhgiac grade` gives nbgrader the released
# notebook (canhgiac.grade.stage), so these come up only when someone grades a submission by hand;
# what a learner changed is found by canhgiac.untrusted.changes_from_release.
REVIEWS = (
    (
        r"Attribute '(cell_type|locked|points)' for cell",
        "siêu dữ liệu của ô chấm điểm đã bị sửa (đã dùng giá trị gốc)",
    ),
    (r"Missing grade cell", "ô chấm điểm đã bị xóa khỏi sổ tay (đã thêm lại ô gốc để chấm)"),
    (r"No submitted file", "bài nộp không có sổ tay (được 0 điểm)"),
    (r"does not exist in the database", "sổ tay có ô chấm điểm lạ, không có trong bài gốc"),
)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def failure_reason(error: str, log: str) -> str:
    """Why nbgrader could not grade a submission, in Vietnamese, with nbgrader's own words when unknown."""
    text = f"{error}\n{log}"
    if is_lock_error(text):
        return "sổ điểm SQLite bận quá lâu (database is locked); chạy lại canhgiac grade"
    for pattern, reason in FAILURES:
        if re.search(pattern, text):
            return reason
    errors = [line for line in log.splitlines() if line.startswith("[ERROR]")]
    detail = _last_line(error) or (errors[0][len("[ERROR]") :].strip() if errors else "") or "không rõ lý do"
    return f"nbgrader báo lỗi: {detail}"


def review_notes(log: str) -> list[str]:
    """What a successful grading's log says the trainer should look at."""
    return [note for pattern, note in REVIEWS if re.search(pattern, log)]
