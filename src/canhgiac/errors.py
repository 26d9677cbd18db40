"""The kinds of trouble a command can end in, each with its Vietnamese heading and exit code.

A trainer (or a cron job) reads the heading; a script reads the exit code:

    2  Lỗi dữ liệu            bad data from the user: a file, a setting, an argument
    3  Khóa học đang bận      the course is busy: another `canhgiac grade` is grading it
    4  Công cụ không chạy được  a tool failed: nbgrader, a kernel, the database would not start
    70 Lỗi nội bộ             a bug in this program (EX_SOFTWARE): the traceback is printed for a report

1 is kept for "done, but some items failed" (a submission not graded, a file
refused) and 130 for Ctrl+C.  `canhgiac --help` prints the same table (HELP).
"""


class CanhgiacError(Exception):
    """A failure the user is told about in Vietnamese, without a traceback."""

    heading = "Lỗi"
    exit_code = 1


class DataError(CanhgiacError, ValueError):
    """Bad data from the user: a course data file, a roster, a setting, a folder that is not there."""

    heading = "Lỗi dữ liệu"
    exit_code = 2


class CourseBusy(CanhgiacError):
    """The course is busy: another command holds it (e.g. grading is already running)."""

    heading = "Khóa học đang bận"
    exit_code = 3


class ToolFailed(CanhgiacError):
    """A tool the course runs failed: nbgrader or its kernel could not start, a database was unreachable."""

    heading = "Công cụ không chạy được"
    exit_code = 4


class InternalError(CanhgiacError):
    """A bug in this program: any exception that is none of the above ends as one."""

    heading = "Lỗi nội bộ của chương trình (xin gửi thông báo dưới đây cho người phát triển)"
    exit_code = 70


KINDS: tuple[type[CanhgiacError], ...] = (DataError, CourseBusy, ToolFailed, InternalError)

HELP = (
    "Mã thoát: 0 xong; 1 xong nhưng có mục lỗi (bài không chấm được, tệp bị từ chối); "
    + "; ".join(f"{kind.exit_code} {kind.heading.split(' (')[0].lower()}" for kind in KINDS)
    + "; 130 dừng bằng Ctrl+C."
)
