"""Sơ đồ các bước của thủ đoạn cắt ghép hình ảnh để tống tiền.

Drawn at build time by matplotlib's ``plot`` directive in
``book/thu-doan.md`` (path ``figures/scam_steps.py``, relative to
``plot_basedir: book``).  The script only draws on a figure; the directive
saves it, so the script never calls ``plt.show()`` or ``savefig``.  The
directive sits in an ``{eval-rst}`` block there, because myst-parser 3's
mock state machine lacks the ``insert_input`` that the directive calls.

To look at it by hand, from the repository root::

    MPLBACKEND=Agg .venv/bin/python -c "import runpy, matplotlib.pyplot as plt; \
        runpy.run_path('book/figures/scam_steps.py'); \
        plt.savefig('/tmp/scam_steps.png', dpi=110)"

Design rules (see the brief of the chapter):

- a single vertical column (6 inches wide, about 8 high, computed from the
  layout), so that it stays readable on a 375-px phone;
- large type, at least 12 px on a 375-px phone, dark text on light fills
  (contrast well above WCAG AA 4.5:1);
- "DejaVu Sans", which covers every Vietnamese diacritic;
- no pictures of people, nothing sexual: boxes, numbers and arrows only.

The font is given to every text call instead of through ``rcParams``, so
that nothing leaks into other figures drawn by the same build.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

FONT = "DejaVu Sans"
# On a 375-px phone the 6-inch figure (saved at 110 dpi) is shown at about half its size:
# 17 pt is about 13 px there, the smallest text allowed being 12 px
# (tests/test_phone_browser.py measures it).
TITLE_PT = 20
DETAIL_PT = 17

# (title, detail): short labels, full diacritics, NFC.
STEPS = [
    ("Thu thập thông tin", "Ảnh, số điện thoại, nơi làm việc\ntừ mạng xã hội, trang web cơ quan"),
    ("Cắt ghép bằng AI", "Ghép khuôn mặt vào hình ảnh\n“nhạy cảm” lấy trên Internet"),
    ("Nhắn tin, gửi hình ảnh", "Vu cho nạn nhân có\nquan hệ bất chính"),
    ("Đe dọa phát tán", "Lên mạng xã hội, gửi cho\ngia đình, cơ quan"),
    ("Đòi tiền", "Tài khoản ngân hàng, ví điện tử,\ntiền điện tử"),
]

RESPONSE_TITLE = "Cách xử lý đúng"
RESPONSE_TEXT = "Bình tĩnh · Không chuyển tiền\nBáo ngay Công an gần nhất"

# Colours: light fills, near-black text.  The two steps where the pressure
# is applied (threat, money) get a warm fill; the right response is green.
TEXT = "#111111"
EDGE = "#1F3A5F"
FILL = "#E8F0FB"
FILL_WARN = "#FDEBD8"
EDGE_WARN = "#8A3B00"
FILL_OK = "#E3F4E6"
EDGE_OK = "#1B5E20"
TEXT_OK = "#0B3D14"
ARROW = "#333333"

BOX_X, BOX_W = 0.25, 5.5  # inches; the figure is 6 inches wide
BOX_H = 1.32  # height of a step box: a title and two lines of detail
GAP = 0.28  # room for the arrow between two steps
RESP_GAP = 0.4  # space above the response box (no arrow there)
RESP_H = 1.32
MARGIN = 0.15  # above the first box and below the last one

# The height follows from the layout, so that no box is ever cut off.
HEIGHT = 2 * MARGIN + len(STEPS) * BOX_H + (len(STEPS) - 1) * GAP + RESP_GAP + RESP_H
TOP = HEIGHT - MARGIN

fig = plt.figure(figsize=(6, HEIGHT))
ax = fig.add_axes([0, 0, 1, 1])
ax.set_xlim(0, 6)
ax.set_ylim(0, HEIGHT)
ax.set_axis_off()

centres = []
for i, (title, detail) in enumerate(STEPS):
    y0 = TOP - (i + 1) * BOX_H - i * GAP
    warn = i >= 3
    fill, edge = (FILL_WARN, EDGE_WARN) if warn else (FILL, EDGE)
    ax.add_patch(
        FancyBboxPatch(
            (BOX_X, y0),
            BOX_W,
            BOX_H,
            boxstyle="round,pad=0,rounding_size=0.14",
            facecolor=fill,
            edgecolor=edge,
            linewidth=2,
        )
    )
    # Step number in a circle on the left.
    cx, cy = BOX_X + 0.48, y0 + BOX_H / 2
    ax.add_patch(Circle((cx, cy), 0.3, facecolor="white", edgecolor=edge, linewidth=2))
    ax.text(
        cx, cy, str(i + 1), ha="center", va="center", fontsize=21, fontweight="bold", color=TEXT, family=FONT
    )
    # Title and detail.
    tx = BOX_X + 0.98
    ax.text(
        tx,
        y0 + BOX_H - 0.1,
        title,
        ha="left",
        va="top",
        fontsize=TITLE_PT,
        fontweight="bold",
        color=TEXT,
        family=FONT,
    )
    ax.text(
        tx,
        y0 + 0.1,
        detail,
        ha="left",
        va="bottom",
        fontsize=DETAIL_PT,
        color=TEXT,
        family=FONT,
        linespacing=1.3,
    )
    centres.append((BOX_X + BOX_W / 2, y0, y0 + BOX_H))

# Arrows between consecutive steps.
for (x, bottom, _), (_, _, next_top) in zip(centres, centres[1:], strict=False):
    ax.add_patch(
        FancyArrowPatch(
            (x, bottom - 0.02),
            (x, next_top + 0.02),
            arrowstyle="-|>",
            mutation_scale=24,
            linewidth=2.4,
            color=ARROW,
        )
    )

# The right response: set apart (dashed border, no arrow), because it is
# not a step of the scam but what the learner does at any step.
ry0 = centres[-1][1] - RESP_GAP - RESP_H
ax.add_patch(
    FancyBboxPatch(
        (BOX_X, ry0),
        BOX_W,
        RESP_H,
        boxstyle="round,pad=0,rounding_size=0.14",
        facecolor=FILL_OK,
        edgecolor=EDGE_OK,
        linewidth=2,
        linestyle="--",
    )
)
ax.text(
    BOX_X + BOX_W / 2,
    ry0 + RESP_H - 0.1,
    RESPONSE_TITLE,
    ha="center",
    va="top",
    fontsize=TITLE_PT,
    fontweight="bold",
    color=TEXT_OK,
    family=FONT,
)
ax.text(
    BOX_X + BOX_W / 2,
    ry0 + 0.09,
    RESPONSE_TEXT,
    ha="center",
    va="bottom",
    fontsize=DETAIL_PT,
    color=TEXT_OK,
    family=FONT,
    linespacing=1.3,
)
