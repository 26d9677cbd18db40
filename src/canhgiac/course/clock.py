"""Times as the course shows them: in its own time zone (CourseRules.time_zone), whatever the server's.

Attempts are stored in naive UTC, as nbgrader stores them.  A province's
server may run in UTC: a file a learner saved at 08:41 in Lạng Sơn must still
be shown as 08:41, with its offset, so that no one reads it as 01:41.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Ho_Chi_Minh"


def zone(name: str) -> ZoneInfo:
    """The time zone of an IANA name (`Asia/Ho_Chi_Minh`); ValueError when there is none of that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"không có múi giờ '{name}'") from exc


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A stored moment (naive UTC, or aware) in the course's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz)


def shown(moment: datetime, tz: ZoneInfo) -> str:
    """'2026-12-05 08:41 +07:00': the minute in the course's time zone, with its offset."""
    text = local(moment, tz).strftime("%Y-%m-%d %H:%M %z")
    return f"{text[:-2]}:{text[-2:]}"


def today(tz: ZoneInfo) -> date:
    """Today's date in the course's time zone (a certificate issued at 06:00 in Hà Nội is dated that day)."""
    return datetime.now(tz).date()
