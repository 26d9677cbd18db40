"""How a face is pasted into another picture, and the traces it leaves: drawn, never photographed.

Every picture here is drawn with matplotlib from shapes: two made-up people, a
head-and-shoulders "profile photo" and a scene of someone speaking at a podium,
fully clothed, in an ordinary meeting room.  No photograph of a real person and
nothing sexual is used or shown.  A "pasted" picture is the podium scene with the
first person's face blended in (numpy, on the drawn pixels); each trace of the
lesson can be switched on or off on its own:

  edges       the cut-out is too large and hard-edged: a rim of the other picture shows
  lighting    the face is lit from the other side than the scene
  skin        the face's skin tone differs from the neck and ears
  blur        the face is blurred while the scene is sharp
  resolution  the face comes from a small picture, enlarged: it breaks into squares

The same functions draw the notebook's figures and, at build time, the book's
images (canhgiac.sphinxext.lessons), so the two never differ.
"""

import io
from dataclasses import dataclass
from functools import cache

import numpy as np
from matplotlib import patches
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

W, H = 480, 360  # every scene, in pixels (1 data unit = 1 pixel)

SKIN_A = "#f4cfb4"  # the person whose photo is taken from a social network
SKIN_B = "#c08a60"  # the person in the other picture
HAIR_A = "#231a14"
HAIR_B = "#3a2a20"

# Where the faces are: centre and radii of the face's ellipse, in pixels.
FACE_A = (240.0, 160.0, 70.0, 88.0)  # the profile photo
FACE_B = (232.0, 132.0, 38.0, 48.0)  # the podium scene


@dataclass(frozen=True)
class Trace:
    """A trace that pasting can leave: its name, what to look for, and what this lesson's picture shows."""

    id: str
    label: str
    look_for: str
    shown: str


TRACES: tuple[Trace, ...] = (
    Trace(
        "edges",
        "Viền quanh khuôn mặt",
        "Đường viền quanh mặt, chân tóc, cằm, tai bị nhòe, răng cưa, hoặc có một “đường nối” lộ ra.",
        "Quanh khuôn mặt lộ ra một vành tóc và màu nền của ảnh gốc; mép cắt sắc, không khớp với tóc và tai "
        "của người trong ảnh.",
    ),
    Trace(
        "lighting",
        "Ánh sáng",
        "Ánh sáng trên mặt chiếu từ một hướng, còn trên người và khung cảnh lại chiếu từ hướng khác.",
        "Cửa sổ ở bên phải nên cổ, áo và bóng trên tường đều tối ở bên trái; riêng khuôn mặt lại tối ở bên phải.",
    ),
    Trace(
        "skin",
        "Màu da",
        "Màu da mặt khác hẳn màu da cổ, tai, tay; có một vệt chuyển màu ở cằm hoặc cổ.",
        "Khuôn mặt sáng và hồng hơn hẳn cổ và hai tai.",
    ),
    Trace(
        "blur",
        "Độ nét",
        "Khuôn mặt mờ hơn hoặc nét hơn hẳn phần còn lại của hình ảnh.",
        "Khuôn mặt mờ nhòe, trong khi bục, micro và khung cửa sổ đều sắc nét.",
    ),
    Trace(
        "resolution",
        "Độ phân giải",
        "Khuôn mặt lấy từ một ảnh nhỏ rồi phóng to, nên vỡ thành những ô vuông, trong khi phần còn lại mịn.",
        "Khuôn mặt vỡ thành những ô vuông nhỏ; phần còn lại của hình ảnh thì mịn.",
    ),
)
TRACE_IDS = tuple(t.id for t in TRACES)
TRACES_BY_ID = {t.id: t for t in TRACES}
NONE_ID = "none"
NONE_LABEL = "Không thấy dấu vết nào rõ ràng"


@dataclass(frozen=True)
class Exhibit:
    """A pasted picture of the "find the traces" exercise, and the traces it really has."""

    number: int
    traces: frozenset[str]

    @property
    def id(self) -> str:
        return f"dau-vet-{self.number}"

    def answer(self) -> list[str]:
        """The options to tick, in the options' order: its traces, or "none"."""
        return [t for t in TRACE_IDS if t in self.traces] or [NONE_ID]

    def explanation(self) -> str:
        """Why: what each of its traces looks like here, or why none is found."""
        if not self.traces:
            return (
                "Ảnh này được ghép khéo: không thấy dấu vết nào rõ ràng.\n"
                "Không tìm ra dấu vết không có nghĩa là hình ảnh là thật. Dù thật hay giả, cách xử lý vẫn như "
                "nhau: bình tĩnh, không chuyển tiền, giữ bằng chứng, báo cơ quan Công an."
            )
        lines = [f"{TRACES_BY_ID[t].label}: {TRACES_BY_ID[t].shown}" for t in self.answer()]
        return "Ảnh này có các dấu vết:\n" + "\n".join(lines)


EXHIBITS: tuple[Exhibit, ...] = (
    Exhibit(1, frozenset({"edges", "skin"})),
    Exhibit(2, frozenset({"lighting"})),
    Exhibit(3, frozenset({"resolution"})),
    Exhibit(4, frozenset({"blur", "lighting", "skin"})),
    Exhibit(5, frozenset()),
)
EXERCISE_QUESTION = "Anh, chị thấy những dấu vết cắt ghép nào trong ảnh này?"


def exercise_options() -> list[tuple[str, str]]:
    """The exercise's options, (id, label): every trace, then "none seen"."""
    return [(t.id, t.label) for t in TRACES] + [(NONE_ID, NONE_LABEL)]


# ---------------------------------------------------------------- drawing


def _canvas(width: int = W, height: int = H):
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    return fig, ax


def _pixels(fig: Figure) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float) / 255


def _shade(ax, patch: patches.Patch, box: tuple[float, float, float, float], light: str, strength=0.4):
    """Darken `patch` on the side away from the light, gradually, as a lamp or a window does."""
    x0, y0, x1, y1 = box
    ramp = np.linspace(0, 1, 64) ** 1.4
    if light == "left":
        alpha = ramp
    else:
        alpha = ramp[::-1]
    rgba = np.zeros((2, 64, 4))
    rgba[..., 3] = alpha * strength
    image = ax.imshow(
        rgba, extent=(x0, x1, y1, y0), interpolation="bilinear", zorder=patch.get_zorder() + 0.1
    )
    image.set_clip_path(patch)


def _person(ax, cx, cy, scale, skin, hair, clothes, light, features="a", zorder=2):
    """A person from the chest up, the face's ellipse centred at (cx, cy); `scale` 1 is the profile photo."""
    rx, ry = 70 * scale, 88 * scale
    z = zorder
    # Clothes first: a jacket (with shirt and tie) or a shirt with a collar.
    body = patches.Ellipse((cx, cy + 230 * scale), 330 * scale, 250 * scale, color=clothes, zorder=z)
    ax.add_patch(body)
    _shade(ax, body, (cx - 165 * scale, cy + 100 * scale, cx + 165 * scale, cy + 360 * scale), light)
    if features == "b":
        shirt = patches.Polygon(
            [
                (cx - 30 * scale, cy + 112 * scale),
                (cx + 30 * scale, cy + 112 * scale),
                (cx, cy + 200 * scale),
            ],
            color="#f4f4f0",
            zorder=z + 0.2,
        )
        tie = patches.Polygon(
            [
                (cx - 7 * scale, cy + 118 * scale),
                (cx + 7 * scale, cy + 118 * scale),
                (cx + 10 * scale, cy + 185 * scale),
                (cx, cy + 198 * scale),
                (cx - 10 * scale, cy + 185 * scale),
            ],
            color="#8c2f39",
            zorder=z + 0.3,
        )
        ax.add_patch(shirt)
        ax.add_patch(tie)
    neck = patches.Rectangle(
        (cx - 30 * scale, cy + 50 * scale), 60 * scale, 70 * scale, color=skin, zorder=z + 0.4
    )
    ax.add_patch(neck)
    _shade(ax, neck, (cx - 30 * scale, cy + 50 * scale, cx + 30 * scale, cy + 120 * scale), light, 0.5)
    if features == "a":
        for side in (-1, 1):
            collar = patches.Polygon(
                [
                    (cx + side * 30 * scale, cy + 108 * scale),
                    (cx + side * 4 * scale, cy + 128 * scale),
                    (cx + side * 48 * scale, cy + 138 * scale),
                ],
                color="#f4f4f0",
                zorder=z + 0.5,
            )
            ax.add_patch(collar)
    # Hair behind the head, then the ears, the face, the fringe.
    back = patches.Ellipse((cx, cy - 22 * scale), 166 * scale, 160 * scale, color=hair, zorder=z + 0.6)
    ax.add_patch(back)
    for side in (-1, 1):
        ear = patches.Ellipse(
            (cx + side * 70 * scale, cy + 4 * scale), 24 * scale, 42 * scale, color=skin, zorder=z + 0.7
        )
        ax.add_patch(ear)
    face = patches.Ellipse((cx, cy), 2 * rx, 2 * ry, color=skin, lw=0, zorder=z + 0.8)
    ax.add_patch(face)
    fringe = patches.Ellipse(
        (cx, cy - 84 * scale), 170 * scale, 112 * scale, color=hair, lw=0, zorder=z + 0.9
    )
    ax.add_patch(fringe)
    # Clipped a little outside the face, so that no thin line shows between fringe and hair.
    hairline = patches.Ellipse((cx, cy), 2.08 * rx, 2.08 * ry, transform=ax.transData)
    fringe.set_clip_path(hairline)
    # The face's features.
    dark = "#2b2018"
    brow = 5.5 if features == "a" else 3.0
    for side in (-1, 1):
        ax.plot(
            [cx + side * 38 * scale, cx + side * 12 * scale],
            [cy - 24 * scale, cy - 27 * scale + (2 if features == "b" else 0) * scale],
            color=dark,
            lw=brow * scale * 1.6,
            solid_capstyle="round",
            zorder=z + 1,
        )
        eye = patches.Ellipse(
            (cx + side * 25 * scale, cy - 10 * scale), 24 * scale, 12 * scale, color="#fbfbf8", zorder=z + 1
        )
        ax.add_patch(eye)
        ax.add_patch(
            patches.Circle(
                (cx + side * 25 * scale, cy - 10 * scale), 5 * scale, color="#3b2616", zorder=z + 1.1
            )
        )
    ax.plot(
        [cx, cx - 5 * scale, cx + 5 * scale],
        [cy - 8 * scale, cy + 22 * scale, cy + 24 * scale],
        color="#8a5a40",
        lw=2.2 * scale * 1.5,
        zorder=z + 1,
    )
    mouth_width = 44 if features == "a" else 34
    ax.add_patch(
        patches.Arc(
            (cx, cy + 40 * scale),
            mouth_width * scale,
            16 * scale,
            theta1=20,
            theta2=160,
            color="#9b4a45",
            lw=3 * scale * 1.5,
            zorder=z + 1,
        )
    )
    if features == "a":  # a short beard line under the lip makes the two people easy to tell apart
        ax.plot(
            [cx - 8 * scale, cx + 8 * scale], [cy + 62 * scale] * 2, color=dark, lw=3 * scale, zorder=z + 1
        )
    _shade(ax, face, (cx - rx, cy - ry, cx + rx, cy + ry), light, 0.5)


def draw_profile(ax, skin=SKIN_A, light="left", where=FACE_A):
    """The "profile photo": the first person, head and shoulders, on a plain background."""
    cx, cy, rx, _ = where
    scale = rx / 70
    ax.add_patch(patches.Rectangle((0, 0), W, H, color="#c5d3e2", zorder=0))
    glow = patches.Circle((W * 0.3, H * 0.3), 260, color="#dbe5ef", zorder=0.5)
    ax.add_patch(glow)
    _person(ax, cx, cy, scale, skin, HAIR_A, "#4f77a3", light, features="a")


def draw_podium_scene(ax, with_person=True):
    """The other picture: someone speaking at a podium in a meeting room, lit by a window on the right."""
    ax.add_patch(patches.Rectangle((0, 0), W, H, color="#eadfca", zorder=0))
    ax.add_patch(patches.Rectangle((0, 250), W, 110, color="#d5c3a2", zorder=0.2))
    window = patches.Rectangle((372, 36), 92, 160, facecolor="#eaf6ff", edgecolor="#8f8778", lw=3, zorder=0.3)
    ax.add_patch(window)
    ax.plot([418, 418], [36, 196], color="#ffffff", lw=4, zorder=0.4)
    ax.plot([372, 464], [116, 116], color="#ffffff", lw=4, zorder=0.4)
    wall = patches.Rectangle((0, 0), W, 250, alpha=0, zorder=0.25)
    ax.add_patch(wall)
    _shade(ax, wall, (0, 0, W, 250), "right", 0.18)
    if with_person:
        # The person's shadow on the wall, thrown to the left by the window.
        ax.add_patch(patches.Ellipse((168, 190), 150, 250, color="#000000", alpha=0.10, zorder=0.6))
        cx, cy, rx, _ = FACE_B
        _person(ax, cx, cy, rx / 70, SKIN_B, HAIR_B, "#33435a", "right", features="b")
    podium = patches.Polygon([(142, 360), (160, 240), (314, 240), (332, 360)], color="#7a5230", zorder=5)
    ax.add_patch(podium)
    _shade(ax, podium, (142, 240, 332, 360), "right", 0.3)
    ax.add_patch(patches.Rectangle((150, 230), 174, 14, color="#93683f", zorder=5.1))
    ax.add_patch(patches.Circle((237, 296), 20, color="#c9a227", zorder=5.2))
    ax.add_patch(patches.Circle((237, 296), 13, color="#b3262e", zorder=5.3))
    ax.plot([264, 252], [232, 196], color="#222222", lw=3, zorder=5.4)
    ax.add_patch(patches.Ellipse((251, 192), 12, 16, color="#333333", zorder=5.5))


@cache
def _profile_pixels(skin: str, light: str, where: tuple[float, float, float, float]) -> np.ndarray:
    fig, ax = _canvas()
    draw_profile(ax, skin, light, where)
    return _pixels(fig)


@cache
def _scene_pixels() -> np.ndarray:
    fig, ax = _canvas()
    draw_podium_scene(ax)
    return _pixels(fig)


def _box_blur(image: np.ndarray, radius: int) -> np.ndarray:
    """A box blur of an H×W×3 image, twice for a softer result."""
    out = image
    for _ in range(2):
        for axis in (0, 1):
            padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in range(3)], mode="edge")
            summed = np.cumsum(padded, axis=axis)
            summed = np.insert(summed, 0, 0, axis=axis)
            size = 2 * radius + 1
            upper = np.take(summed, range(size, summed.shape[axis]), axis=axis)
            lower = np.take(summed, range(0, summed.shape[axis] - size), axis=axis)
            out = (upper - lower) / size
    return out


def _pixelate(image: np.ndarray, block: int) -> np.ndarray:
    """As if enlarged from a picture `block` times smaller: squares of one colour."""
    h, w, _ = image.shape
    hh, ww = h - h % block, w - w % block
    small = image[:hh, :ww].reshape(hh // block, block, ww // block, block, 3).mean(axis=(1, 3))
    out = image.copy()
    out[:hh, :ww] = np.repeat(np.repeat(small, block, axis=0), block, axis=1)
    return out


@cache
def pasted(traces: frozenset[str] = frozenset()) -> np.ndarray:
    """The podium scene with the first person's face pasted in, leaving exactly `traces`."""
    unknown = set(traces) - set(TRACE_IDS)
    if unknown:
        raise ValueError(f"không có dấu vết {', '.join(sorted(unknown))}")
    scene = _scene_pixels()
    # The face, cut from the profile photo, brought to the size and place of the other face.
    # A careful fake matches the light and the skin tone; a careless one does not.
    face = _profile_pixels(
        SKIN_A if "skin" in traces else SKIN_B,
        "left" if "lighting" in traces else "right",
        FACE_B,
    ).copy()
    cx, cy, rx, ry = FACE_B
    y, x = np.mgrid[0:H, 0:W]
    distance = np.sqrt(((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2)
    if "edges" in traces:
        alpha = (distance <= 1.22).astype(float)  # too large, hard-edged: a rim of the other photo shows
    else:
        alpha = np.clip((0.95 - distance) / 0.16, 0, 1)  # inside the face, blended over its last sixth
    x0, x1 = int(cx - 1.3 * rx), int(cx + 1.3 * rx)
    y0, y1 = int(cy - 1.3 * ry), int(cy + 1.3 * ry)
    patch = face[y0:y1, x0:x1]
    if "resolution" in traces:
        patch = _pixelate(patch, 5)
    if "blur" in traces:
        patch = _box_blur(patch, 3)
    face[y0:y1, x0:x1] = patch
    alpha = alpha[..., None]
    return scene * (1 - alpha) + face * alpha


# ---------------------------------------------------------------- pictures of the lesson


def _png(image_or_figure) -> bytes:
    buffer = io.BytesIO()
    if isinstance(image_or_figure, Figure):
        image_or_figure.savefig(buffer, format="png", dpi=FIGURE_DPI, pil_kwargs={"optimize": True})
    else:
        from matplotlib.image import imsave

        imsave(buffer, np.clip(image_or_figure, 0, 1), format="png", pil_kwargs={"optimize": True})
    return buffer.getvalue()


ZOOM = (160, 62, 304, 206)  # x0, y0, x1, y1: the face and its surroundings in the podium scene


def zoom(image: np.ndarray, height: int = H) -> np.ndarray:
    """The region around the pasted face, enlarged to `height` pixels, pixel for pixel (no smoothing)."""
    x0, y0, x1, y1 = ZOOM
    width = round(height * (x1 - x0) / (y1 - y0))
    rows = y0 + (np.arange(height) * (y1 - y0) / height).astype(int)
    cols = x0 + (np.arange(width) * (x1 - x0) / width).astype(int)
    return image[rows][:, cols]


def _with_zoom_frame(image: np.ndarray) -> np.ndarray:
    out = image.copy()
    x0, y0, x1, y1 = ZOOM
    orange = np.array([0.83, 0.33, 0.0])
    out[y0 : y0 + 3, x0:x1] = out[y1 - 3 : y1, x0:x1] = orange
    out[y0:y1, x0 : x0 + 3] = out[y0:y1, x1 - 3 : x1] = orange
    return out


def exhibit_image(exhibit: Exhibit) -> np.ndarray:
    """The whole picture (the zoomed region framed in orange) beside the zoomed face."""
    image = pasted(exhibit.traces)
    gap = np.ones((H, 14, 3))
    return np.concatenate([_with_zoom_frame(image), gap, zoom(image)], axis=1)


def exhibit_png(exhibit: Exhibit) -> bytes:
    return _png(exhibit_image(exhibit))


STEPS_TITLES = (
    "1. Ảnh đại diện lấy từ mạng xã hội",
    "2. Cắt lấy khuôn mặt",
    "3. Một hình ảnh khác, của người khác",
    "4. Dán khuôn mặt vào",
)


# Text in the lesson's figures, in points at the figures' 100 dpi.  A figure is shown at most
# as wide as a phone's column (343 px at 375 px): one column of pictures, each no wider than
# that, keeps this at 12 px or more on the screen (tests/test_phone_browser.py measures it).
TITLE_PT = 14
FIGURE_DPI = 100
STEPS_TITLE_HEIGHT = 40
TRACE_SIDE, TRACE_TITLE_HEIGHT, TRACE_MARGIN = 300, 44, 10
# The figures' sizes in pixels, for the pages' <img width height> (no layout shift while loading).
STEPS_SIZE = (W, len(STEPS_TITLES) * (H + STEPS_TITLE_HEIGHT))
TRACE_SIZE = (TRACE_SIDE + 2 * TRACE_MARGIN, 2 * (TRACE_SIDE + TRACE_TITLE_HEIGHT))


def steps_figure() -> Figure:
    """The four steps of pasting a face, one under the other: the photo, the cut-out, the other picture, the result."""
    profile = _profile_pixels(SKIN_A, "left", FACE_A)
    cx, cy, rx, ry = FACE_A
    y, x = np.mgrid[0:H, 0:W]
    inside = (((x - cx) / (rx * 0.98)) ** 2 + ((y - cy) / (ry * 0.98)) ** 2) <= 1
    cut = np.where(inside[..., None], profile, 0.25 + 0.55 * profile)
    panels = [profile, cut, _scene_pixels(), pasted(frozenset({"edges", "skin"}))]
    # Each picture pixel for pixel (no resampling: sharper, and a smaller file), a title above it.
    # One column, so that a phone shows it at 70 % of its size, not 35 % (as a 2 x 2 grid was).
    title_height = STEPS_TITLE_HEIGHT
    width, height = STEPS_SIZE
    fig = Figure(figsize=(width / FIGURE_DPI, height / FIGURE_DPI), dpi=FIGURE_DPI)
    FigureCanvasAgg(fig)
    for i, (image, title) in enumerate(zip(panels, STEPS_TITLES, strict=True)):
        bottom = (len(panels) - 1 - i) * (H + title_height)
        ax = fig.add_axes((0, bottom / height, 1, H / height))
        ax.imshow(image, interpolation="none")
        ax.set_title(title, fontsize=TITLE_PT)
        ax.axis("off")
        if i == 1:
            ax.add_patch(
                patches.Ellipse(
                    (cx, cy), 2 * rx, 2 * ry, fill=False, edgecolor="#d35400", lw=2.5, linestyle="--"
                )
            )
    return fig


def steps_png() -> bytes:
    return _png(steps_figure())


def trace_figure(trace_id: str) -> Figure:
    """One trace: the zoomed face with that trace only, above a more careful paste."""
    trace = TRACES_BY_ID[trace_id]
    side, title_height, margin = TRACE_SIDE, TRACE_TITLE_HEIGHT, TRACE_MARGIN
    width, height = TRACE_SIZE
    fig = Figure(figsize=(width / FIGURE_DPI, height / FIGURE_DPI), dpi=FIGURE_DPI)
    FigureCanvasAgg(fig)
    for i, (traces, title) in enumerate(
        (
            (frozenset({trace_id}), f"Có dấu vết: {trace.label.lower()}"),
            (frozenset(), "Ghép khéo hơn"),
        )
    ):
        bottom = (1 - i) * (side + title_height)
        ax = fig.add_axes((margin / width, bottom / height, side / width, side / height))
        ax.imshow(zoom(pasted(traces), side), interpolation="nearest")
        ax.set_title(title, fontsize=TITLE_PT - 1)
        ax.axis("off")
    return fig


def trace_png(trace_id: str) -> bytes:
    return _png(trace_figure(trace_id))
