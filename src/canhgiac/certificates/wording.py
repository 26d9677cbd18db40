"""How a certificate writes dates and scores, as Vietnamese administrative documents do."""

from datetime import date


def vietnamese_date(day: date) -> str:
    """'ngày 29 tháng 11 năm 2026'.

    Days 1-9 and the months 1 and 2 take a leading zero (ngày 05 tháng 02 năm 2026), as
    Decree 30/2020/NĐ-CP on administrative documents asks, so that no digit can be added.
    """
    day_text = f"{day.day:02d}" if day.day < 10 else str(day.day)
    month_text = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day_text} tháng {month_text} năm {day.year}"


def score_text(score: float, max_score: float) -> str:
    """'15/17 điểm (88,2%)'."""

    def number(value: float) -> str:
        return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0").replace(".", ",")

    share = f"{100 * score / max_score:.1f}".replace(".", ",").removesuffix(",0") if max_score else "0"
    return f"{number(score)}/{number(max_score)} điểm ({share}%)"
