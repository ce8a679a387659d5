"""What every chart shares: the palette, the `<svg>` root, ticks, markers, label room."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from markupsafe import escape

FONT_FAMILY = "'Report Sans', 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif"
TRACK = "#e4e7eb"
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#e3e7eb"
AXIS = "#9aa5b1"
HIGHLIGHT = "#eef1f5"
# Score bands follow RULES.md: >= 90 reads as pass, >= 50 as warn, below as fail.
BAND_COLOURS = {"good": "#1a7f37", "average": "#b86e00", "poor": "#c62828"}
# Series styles: colour (dark to mid, distinct in luminance), dash pattern and marker,
# so two series stay apart when printed in black and white.
SERIES_COLOURS = ("#173f7a", "#c2610c", "#4f5b66", "#7a3e9d")
SERIES_DASHES = ("", "6 3", "1.5 2.5", "8 3 2 3")
SERIES_MARKERS = ("circle", "square", "triangle", "diamond")
FUNNEL_BAR = "#173f7a"


def score_band(score: float | None) -> str:
    """The band a 0..100 score falls in: good, average, poor, or none when withheld."""
    if score is None:
        return "none"
    value = float(score)
    if value >= 90:
        return "good"
    if value >= 50:
        return "average"
    return "poor"


def _clamp(score: float) -> float:
    return max(0.0, min(100.0, float(score)))


def _svg_open(css_class: str, width: float, height: float, title: str, size: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'viewBox="0 0 {width:g} {height:g}" {size} font-family="{FONT_FAMILY}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About `count` round tick values covering low..high (steps of 1, 2, 2.5 or 5 x 10^k)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("ticks need finite bounds")
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step + 1e-9) * step
    stop = math.ceil(high / step - 1e-9) * step
    ticks = []
    value = start
    while value <= stop + step / 2:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _period_labels(periods: Sequence[str]) -> list[tuple[str, str]]:
    """Two-line x labels: `2025-Q3` -> ('Q3', '2025'), the year only where it changes."""
    out: list[tuple[str, str]] = []
    last_year = None
    for label in periods:
        match = re.fullmatch(r"(\d{4})-(\S+)", str(label))
        if match:
            year, part = match.groups()
            out.append((part, year if year != last_year else ""))
            last_year = year
        else:
            out.append((str(label), ""))
            last_year = None
    return out


def _marker(kind: str, x: float, y: float, colour: str, size: float = 3.4) -> str:
    cls = 'class="mk"'
    if kind == "circle":
        return f'<circle {cls} cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" fill="{colour}"/>'
    if kind == "square":
        s = size * 0.9
        return (
            f'<rect {cls} x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" '
            f'height="{2 * s:.1f}" fill="#ffffff" stroke="{colour}" stroke-width="1.5"/>'
        )
    if kind == "triangle":
        s = size * 1.2
        points = f"{x:.1f},{y - s:.1f} {x + s:.1f},{y + s * 0.8:.1f} {x - s:.1f},{y + s * 0.8:.1f}"
        return f'<polygon {cls} points="{points}" fill="{colour}"/>'
    s = size * 1.25
    points = f"{x:.1f},{y - s:.1f} {x + s:.1f},{y:.1f} {x:.1f},{y + s:.1f} {x - s:.1f},{y:.1f}"
    return f'<polygon {cls} points="{points}" fill="#ffffff" stroke="{colour}" stroke-width="1.5"/>'


def _spread(wanted: list[float], gap: float, top: float, bottom: float) -> list[float]:
    """Move label positions apart by at least `gap`, keeping them within top..bottom."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [wanted[i] for i in order]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    if placed and placed[-1] > bottom:
        placed[-1] = bottom
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    if placed and placed[0] < top:
        placed[0] = top
        for i in range(1, len(placed)):
            placed[i] = max(placed[i], placed[i - 1] + gap)
    out = [0.0] * len(wanted)
    for position, index in zip(placed, order, strict=True):
        out[index] = position
    return out


def _text_width(text: str, size: float) -> float:
    """A rough width of `text` in DejaVu Sans: enough to reserve margins."""
    return len(text) * size * 0.62
