"""Turn matplotlib figures into deterministic SVG, in a light and a dark variant (inside a snippet's
child process, after the snippet has drawn its figures); and a PNG, as the lab's figures are, into
its dark variant (inside the lab's child, beside the light one: sitebuild/notebook_child.py).
"""

from __future__ import annotations

import io

import matplotlib
from matplotlib.colors import to_rgba

# Material's dark ("slate") palette: text and lines that were black become this light grey.
DARK_FOREGROUND = "#e2e4e9"
DARK_GRID = "#5c6370"


def _is_grey(rgba) -> bool:
    r, g, b, _ = rgba
    return max(r, g, b) - min(r, g, b) < 0.05


def _flip_grey(color, fallback=None):
    """Map a dark grey to the light foreground and a near-white to transparent; keep real colours."""
    try:
        rgba = to_rgba(color)
    except ValueError:
        return fallback
    if rgba[3] == 0 or not _is_grey(rgba):
        return fallback
    lightness = rgba[0]
    if lightness < 0.5:
        return DARK_FOREGROUND
    if lightness > 0.9:
        return (0, 0, 0, 0)
    return DARK_GRID


def _has_coloured_box(text) -> bool:
    box = text.get_bbox_patch()
    return box is not None and not _is_grey(to_rgba(box.get_facecolor()))


def restyle_dark(fig) -> None:
    """Recolour a figure in place for a dark page: grey ink turns light, white paper turns clear.

    Coloured artists (plot lines, coloured boxes) keep their colours; text on a coloured box stays
    dark so it stays readable.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.text import Text

    fig.patch.set_facecolor((0, 0, 0, 0))
    for artist in fig.findobj():
        if isinstance(artist, Text):
            if not _has_coloured_box(artist):
                new = _flip_grey(artist.get_color())
                if new is not None:
                    artist.set_color(new)
        elif isinstance(artist, Line2D):
            new = _flip_grey(artist.get_color())
            if new is not None:
                artist.set_color(new)
            new = _flip_grey(artist.get_markerfacecolor())
            if new is not None:
                artist.set_markerfacecolor(new)
        elif isinstance(artist, Patch):
            for get, put in (
                (artist.get_facecolor, artist.set_facecolor),
                (artist.get_edgecolor, artist.set_edgecolor),
            ):
                new = _flip_grey(get())
                if new is not None:
                    put(new)
    for ax in fig.axes:
        for text in ax.texts:  # annotation arrows are not reached by findobj()
            arrow = getattr(text, "arrow_patch", None)
            if arrow is not None:
                for get, put in ((arrow.get_facecolor, arrow.set_facecolor), (arrow.get_edgecolor, arrow.set_edgecolor)):
                    new = _flip_grey(get())
                    if new is not None:
                        put(new)
        ax.tick_params(colors=DARK_FOREGROUND, which="both")
        for spine in ax.spines.values():
            spine.set_edgecolor(DARK_FOREGROUND)
        legend = ax.get_legend()
        if legend is not None:
            legend.get_frame().set_facecolor((0.12, 0.13, 0.16, 0.85))
            legend.get_frame().set_edgecolor(DARK_GRID)


def to_svg(fig, salt: str) -> str:
    """Render one figure as SVG text that is the same on every run (fixed ids, no date, no creator)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def figure_variants(fig, salt: str) -> tuple[str, str, tuple[int, int]]:
    """Light SVG, dark SVG and the size in CSS pixels (for width/height attributes)."""
    width_in, height_in = fig.get_size_inches()
    size = (round(width_in * 96), round(height_in * 96))
    light = to_svg(fig, salt)
    restyle_dark(fig)
    dark = to_svg(fig, salt)
    return light, dark, size


def dark_png(light_png: bytes) -> bytes:
    """A figure drawn on white, redrawn for a dark page: the white paper turns clear, grey and black
    ink turns the light grey the lessons' dark figures use, coloured lines keep their colour.

    Each pixel is read as ink laid over white: its coverage is 1 - (its darkest channel), and the
    ink's colour is what is left once the white is taken out. Anti-aliased edges keep their coverage.
    """
    import numpy as np
    from matplotlib.colors import to_rgb
    from PIL import Image

    with Image.open(io.BytesIO(light_png)) as image:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float64) / 255
    rgb = rgba[..., :3] * rgba[..., 3:] + (1 - rgba[..., 3:])  # on white paper
    coverage = 1 - rgb.min(axis=-1, keepdims=True)
    ink = (rgb - (1 - coverage)) / np.maximum(coverage, 1e-6)
    grey = ink.max(axis=-1, keepdims=True) < 0.25  # black or grey ink: text, axes, ticks, frames
    colour = np.where(grey, np.array(to_rgb(DARK_FOREGROUND)), rgb)
    pixels = np.round(np.concatenate([colour, coverage], axis=-1) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    # zlib's default level, as matplotlib saves the light one: `optimize` made it 3 % smaller for 5 times the time
    Image.fromarray(pixels, "RGBA").save(buffer, format="PNG")
    return buffer.getvalue()
