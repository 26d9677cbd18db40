"""The report's charts, drawn with matplotlib from its tables, as PNG bytes.

Figures are made with matplotlib's object API on the Agg canvas (no pyplot,
no display needed, nothing global changed) in DejaVu Sans, the font that ships
with matplotlib and has every Vietnamese letter: a label such as "Tỷ lệ đạt"
is drawn as written, without the "missing glyph" boxes of fonts that lack
the stacked diacritics.  Colours are from the Okabe-Ito palette, which stays
distinct for colour-blind readers and in greyscale print.
"""

import io

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from canhgiac.report.rules import MISLEADING, TOO_EASY, TOO_HARD
from canhgiac.report.settings import ReportSettings
from canhgiac.report.tables import TOTAL, Table, vi_percent

FONT = {"font.family": "DejaVu Sans", "font.size": 10, "svg.fonttype": "none"}
BLUE, ORANGE, GREEN, VERMILLION, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#999999"
# A chart with more bars than this shows the groups that most need attention; the table has them all.
MAX_BARS = 40
DPI = 110


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    out = io.BytesIO()
    # Constrained layout already fits the labels: no bbox_inches="tight", which draws everything twice.
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _height(bars: int) -> float:
    return max(2.6, 0.32 * bars + 1.4)


def rates_chart(table: Table) -> bytes:
    """Completion and pass rates of each group of a by_agency or by_commune table, as horizontal bars."""
    label = table.columns[0]
    rows = [r for r in table.rows if r[0] != TOTAL]
    done, passed = table.columns.index("Tỷ lệ hoàn thành (%)"), table.columns.index("Tỷ lệ đạt (%)")
    title = f"Tỷ lệ hoàn thành và tỷ lệ đạt theo {label.lower()}"
    if len(rows) > MAX_BARS:
        rows = sorted(rows, key=lambda r: (r[passed] or 0, r[done] or 0))[:MAX_BARS]
        title += f"\n({MAX_BARS} nơi có tỷ lệ đạt thấp nhất; đủ cả trong bảng)"
    with rc_context(FONT):
        figure = Figure(figsize=(7.5, _height(len(rows))), layout="constrained")
        ax = figure.add_subplot()
        names = [str(r[0]) for r in rows][::-1]
        y = range(len(rows))
        ax.barh(
            [i + 0.2 for i in y],
            [r[done] or 0 for r in rows][::-1],
            height=0.4,
            color=BLUE,
            label="Hoàn thành",
        )
        ax.barh(
            [i - 0.2 for i in y], [r[passed] or 0 for r in rows][::-1], height=0.4, color=ORANGE, label="Đạt"
        )
        ax.set_yticks(list(y), names)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Tỷ lệ trên số học viên (%)")
        ax.set_title(title)
        figure.legend(loc="outside lower center", ncols=2, frameon=False)
        ax.grid(axis="x", alpha=0.3)
        return _png(figure)


def distribution_chart(table: Table, pass_mark: float) -> bytes:
    """The score distribution table as bars, with the pass mark drawn."""
    with rc_context(FONT):
        figure = Figure(figsize=(7.5, 3.6), layout="constrained")
        ax = figure.add_subplot()
        lows = table.column("Từ (%)")
        counts = table.column("Số học viên")
        ax.bar([low + 5 for low in lows], counts, width=9, color=BLUE)
        ax.axvline(
            pass_mark * 100,
            color=VERMILLION,
            linestyle="--",
            label=f"Điểm yêu cầu ({vi_percent(pass_mark * 100)})",
        )
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 10))
        ax.set_xlabel("Điểm (% số điểm của bài)")
        ax.set_ylabel("Số học viên")
        ax.set_title(table.title)
        ax.legend(loc="upper left")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", alpha=0.3)
        return _png(figure)


def questions_chart(table: Table, settings: ReportSettings) -> bytes:
    """The facility index of each question, coloured by what the analysis flags."""
    names, values, colours = [], [], []
    flags_at = table.columns.index("Cần xem lại")
    facility_at = table.columns.index("Độ dễ (%)")
    for row in table.rows:
        flags = str(row[flags_at] or "")
        names.append(str(row[0]))
        values.append(row[facility_at] or 0)
        colours.append(
            VERMILLION
            if MISLEADING in flags
            else ORANGE
            if TOO_HARD in flags
            else GREY
            if TOO_EASY in flags
            else GREEN
        )
    with rc_context(FONT):
        figure = Figure(figsize=(7.5, _height(len(names))), layout="constrained")
        ax = figure.add_subplot()
        y = list(range(len(names)))[::-1]
        ax.barh(y, values, color=colours, height=0.7)
        ax.set_yticks(y, names)
        ax.axvline(settings.easy_above, color=GREY, linestyle=":")
        ax.axvline(settings.hard_below, color=ORANGE, linestyle=":")
        ax.set_xlim(0, 100)
        ax.set_xlabel("Độ dễ: điểm trung bình của câu / điểm tối đa (%)")
        ax.set_title("Độ dễ của từng câu hỏi")
        handles = [
            Patch(color=c, label=text)
            for c, text in (
                (GREEN, "Bình thường"),
                (GREY, "Quá dễ"),
                (ORANGE, "Quá khó"),
                (VERMILLION, "Có thể gây hiểu nhầm"),
            )
        ]
        figure.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
        ax.grid(axis="x", alpha=0.3)
        return _png(figure)


def all_charts(tables: dict[str, Table], pass_mark: float, settings: ReportSettings) -> dict[str, bytes]:
    """The charts of the report, by file name (without .png)."""
    return {
        "by_agency": rates_chart(tables["by_agency"]),
        "by_commune": rates_chart(tables["by_commune"]),
        "score_distribution": distribution_chart(tables["score_distribution"], pass_mark),
        "questions": questions_chart(tables["questions"], settings),
    }
