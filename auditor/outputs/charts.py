"""Hand-written SVG charts for the report: score bars and rings, trend lines, the funnel.

Hand-built SVG costs about a millisecond for the whole report, stays vector and
searchable in the PDF, and avoids matplotlib's import cost (about 0.9 s and
65 MB) and the id collisions and warnings of its inline SVG
(shared/reference/weasyprint.md section 3b; docs/report.md has our own
measurement).  Every text label goes through `escape`, every number through
`float`, so result data can never inject markup; the builders return `Markup`
so templates need no `|safe`.  No chart uses an `id`, `<defs>` or `<use>`, so
any number of them can share one HTML document.

The `font-family` presentation attribute sits on each `<svg>` root because SVG
text does not inherit the HTML font; it lists the report's own face first and
system faces after it, for the standalone HTML in a browser.

Charts must read in greyscale: series differ by marker shape and dash pattern
as well as by colour, and carry direct labels instead of a legend.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

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


# ------------------------------------------------------------------- scores
@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: a label, a 0..100 score (None = withheld) and its printed value."""

    label: str
    score: float | None
    text: str


def score_bars(bars: Sequence[Bar], *, title: str) -> Markup:
    """Horizontal 0..100 bars with faint guides at 50 and 90, the value printed beside each."""
    width, row, label_w, track_x, track_w = 660, 34, 110, 120, 260
    height = row * len(bars) + 6
    parts = [_svg_open("chart", width, height, title, 'width="100%"')]
    for guide in (50, 90):
        x = track_x + track_w * guide / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="2" x2="{x:.1f}" y2="{height - 2}" '
            f'stroke="#c3c9d1" stroke-width="0.8" stroke-dasharray="2 2"/>'
        )
    for index, bar in enumerate(bars):
        top = 3 + index * row
        mid = top + row / 2
        parts.append(
            f'<text x="{label_w}" y="{mid + 5:.1f}" text-anchor="end" font-size="14" '
            f'fill="{INK}">{escape(bar.label)}</text>'
        )
        bar_y = mid - 8
        if bar.score is None:
            parts.append(
                f'<rect x="{track_x}" y="{bar_y:.1f}" width="{track_w}" height="16" rx="3" '
                f'fill="#ffffff" stroke="#9aa5b1" stroke-width="1" stroke-dasharray="4 3"/>'
            )
            colour = MUTED
        else:
            filled = track_w * _clamp(bar.score) / 100
            colour = BAND_COLOURS[score_band(bar.score)]
            parts.append(
                f'<rect x="{track_x}" y="{bar_y:.1f}" width="{track_w}" height="16" rx="3" '
                f'fill="{TRACK}"/>'
            )
            if filled > 0:
                parts.append(
                    f'<rect x="{track_x}" y="{bar_y:.1f}" width="{filled:.1f}" height="16" '
                    f'rx="3" fill="{colour}"/>'
                )
        parts.append(
            f'<text x="{track_x + track_w + 10}" y="{mid + 5:.1f}" font-size="14" '
            f'font-weight="bold" fill="{colour}">{escape(bar.text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def score_ring(
    score: float | None, *, text: str, caption: str, title: str, size: int = 120
) -> Markup:
    """A ring filled to the score, the score printed inside: a headline figure.

    `size` is the printed size in CSS pixels; the drawing itself is always 120 units.
    """
    box, radius, stroke = 120, 48, 12
    centre = box / 2
    circumference = 2 * math.pi * radius
    parts = [
        _svg_open("ring", box, box, title, f'width="{int(size)}" height="{int(size)}"'),
        f'<circle cx="{centre}" cy="{centre}" r="{radius}" fill="none" stroke="{TRACK}" '
        f'stroke-width="{stroke}"/>',
    ]
    colour = MUTED
    if score is not None:
        colour = BAND_COLOURS[score_band(score)]
        filled = circumference * _clamp(score) / 100
        if filled > 0:
            parts.append(
                f'<circle cx="{centre}" cy="{centre}" r="{radius}" fill="none" '
                f'stroke="{colour}" stroke-width="{stroke}" '
                f'stroke-dasharray="{filled:.2f} {circumference:.2f}" '
                f'transform="rotate(-90 {centre} {centre})"/>'
            )
    parts.append(
        f'<text x="{centre}" y="{centre + 6}" text-anchor="middle" font-size="26" '
        f'font-weight="bold" fill="{colour}">{escape(text)}</text>'
    )
    parts.append(
        f'<text x="{centre}" y="{centre + 22}" text-anchor="middle" font-size="9" '
        f'fill="{MUTED}">{escape(caption)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


# ------------------------------------------------------------------- trends
@dataclass(frozen=True)
class Series:
    """One line of a trend chart: its direct label and one value (or None) per period."""

    label: str
    values: Sequence[float | None]


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


@dataclass(frozen=True)
class _Plot:
    """Where a line chart's plot area sits, and how periods and values map into it."""

    left: float
    top: float
    bottom: float
    width: float
    count: int
    y_low: float
    y_high: float

    @property
    def slot(self) -> float:
        return self.width / self.count

    def x_at(self, i: int) -> float:
        return self.left + self.slot * (i + 0.5)

    def y_at(self, v: float) -> float:
        return self.bottom - (v - self.y_low) / (self.y_high - self.y_low) * (
            self.bottom - self.top
        )


def line_chart(
    periods: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    y_title: str,
    x_title: str,
    tick: Callable[[float, float], str],
    value: Callable[[float], str],
    width: int = 360,
    height: int = 210,
) -> Markup:
    """Lines over periods: gaps (None) stay gaps, the last period is shaded as the audited one.

    `tick(v, step)` formats a y-axis tick, `value(v)` a series' last value in its
    direct label.  One marker (`class="mk"`) per non-null value.
    """
    periods = [str(p) for p in periods]
    count = len(periods)
    if count == 0 or not series:
        raise ValueError("a trend chart needs periods and series")
    clean = [[None if v is None else float(v) for v in s.values] for s in series]
    for values in clean:
        if len(values) != count:
            raise ValueError("every series needs one value per period")
    known = [v for values in clean for v in values if v is not None and math.isfinite(v)]
    if not known:
        raise ValueError("a trend chart needs at least one value")
    ticks = nice_ticks(min(0.0, *known), max(0.0, *known))
    step = ticks[1] - ticks[0]
    tick_texts = [tick(t, step) for t in ticks]
    labels = []
    for s, values in zip(series, clean, strict=True):
        last = next((v for v in reversed(values) if v is not None), None)
        labels.append((s.label, value(last) if last is not None else ""))

    font, small = 10.0, 8.6
    left = 8 + max(_text_width(t, small) for t in tick_texts)
    right = 10 + max(_text_width(f"{a} {b}", font) for a, b in labels)
    right = min(right, width * 0.42)
    plot = _Plot(left, 22.0, height - 36.0, width - left - right, count, ticks[0], ticks[-1])
    parts = [_svg_open("chart trend", width, height, title, 'width="100%"')]
    parts += _trend_axes(plot, ticks, tick_texts, periods, y_title, small)
    parts.append(
        f'<text x="{left + plot.width / 2:.1f}" y="{height - 2:.1f}" text-anchor="middle" '
        f'font-size="{small}" fill="{MUTED}">{escape(x_title)}</text>'
    )
    ends: list[float] = []
    for index, values in enumerate(clean):
        parts += _trend_series(plot, index, values)
        last_index = max((i for i, v in enumerate(values) if v is not None), default=None)
        last_value = values[last_index] if last_index is not None else None
        ends.append(plot.y_at(last_value) if last_value is not None else plot.bottom)
    positions = _spread(ends, font + 2, plot.top, plot.bottom)
    label_x = left + plot.width + 6
    for index, ((series_name, last_text), label_y) in enumerate(
        zip(labels, positions, strict=True)
    ):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        parts.append(
            f'<text x="{label_x:.1f}" y="{label_y + 3.5:.1f}" font-size="{font}" '
            f'fill="{colour}">'
            f'{escape(series_name)} <tspan font-weight="bold">{escape(last_text)}</tspan></text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _trend_axes(
    plot: _Plot,
    ticks: list[float],
    tick_texts: list[str],
    periods: list[str],
    y_title: str,
    small: float,
) -> list[str]:
    """The audited period's shading, the y title and grid with its ticks, the period labels."""
    left, top, bottom, count = plot.left, plot.top, plot.bottom, plot.count
    parts = [
        # The audited period (the last one) behind everything else.
        f'<rect x="{left + plot.slot * (count - 1):.1f}" y="{top - 6:.1f}" '
        f'width="{plot.slot:.1f}" height="{bottom - top + 6:.1f}" fill="{HIGHLIGHT}"/>',
        f'<text x="{left - 6:.1f}" y="11" font-size="{small}" fill="{MUTED}">'
        f"{escape(y_title)}</text>",
    ]
    for t, text in zip(ticks, tick_texts, strict=True):
        y = plot.y_at(t)
        stroke = AXIS if t == 0 else GRID
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + plot.width:.1f}" y2="{y:.1f}" '
            f'stroke="{stroke}" stroke-width="{0.9 if t == 0 else 0.6}"/>'
        )
        parts.append(
            f'<text x="{left - 4:.1f}" y="{y + 3:.1f}" text-anchor="end" font-size="{small}" '
            f'fill="{MUTED}">{escape(text)}</text>'
        )
    for i, (line1, line2) in enumerate(_period_labels(periods)):
        weight = ' font-weight="bold"' if i == count - 1 else ""
        colour = INK if i == count - 1 else MUTED
        parts.append(
            f'<text x="{plot.x_at(i):.1f}" y="{bottom + 12:.1f}" text-anchor="middle" '
            f'font-size="{small}" fill="{colour}"{weight}>{escape(line1)}</text>'
        )
        if line2:
            parts.append(
                f'<text x="{plot.x_at(i):.1f}" y="{bottom + 22:.1f}" text-anchor="middle" '
                f'font-size="{small}" fill="{MUTED}">{escape(line2)}</text>'
            )
    return parts


def _trend_series(plot: _Plot, index: int, values: list[float | None]) -> list[str]:
    """One series: its line broken at gaps, and a marker on every value."""
    colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
    dash = SERIES_DASHES[index % len(SERIES_DASHES)]
    marker = SERIES_MARKERS[index % len(SERIES_MARKERS)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append(f"{plot.x_at(i):.1f},{plot.y_at(v):.1f}")
    if segment:
        segments.append(segment)
    parts = [f'<g class="series" data-series="{index}">']
    for points in segments:
        if len(points) > 1:
            parts.append(
                f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                f'stroke-width="1.8" stroke-linejoin="round"{dash_attr}/>'
            )
    for i, v in enumerate(values):
        if v is not None:
            parts.append(_marker(marker, plot.x_at(i), plot.y_at(v), colour))
    parts.append("</g>")
    return parts


def sparkline(values: Sequence[float | None], *, title: str, width: int = 84) -> Markup:
    """A tiny line of a metric over the periods, the audited (last) value emphasised."""
    height = 26.0
    clean = [None if v is None else float(v) for v in values]
    known = [v for v in clean if v is not None]
    if len(known) < 2:
        raise ValueError("a sparkline needs at least two values")
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    count = len(clean)
    step = (width - 8) / max(count - 1, 1)

    def point(i: int, v: float) -> tuple[float, float]:
        return 4 + i * step, height - 4 - (v - low) / span * (height - 8)

    parts = [_svg_open("spark", width, height, title, f'width="{width}" height="{height:g}"')]
    segment: list[str] = []
    for i, v in enumerate([*clean, None]):
        if v is None:
            if len(segment) > 1:
                parts.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{MUTED}" '
                    f'stroke-width="1.2"/>'
                )
            segment = []
        else:
            x, y = point(i, v)
            segment.append(f"{x:.1f},{y:.1f}")
    for i, v in enumerate(clean):
        if v is not None:
            x, y = point(i, v)
            last = i == count - 1
            parts.append(
                f'<circle class="mk" cx="{x:.1f}" cy="{y:.1f}" r="{2.6 if last else 1.4}" '
                f'fill="{INK if last else MUTED}"/>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


# ------------------------------------------------------------------- funnel
@dataclass(frozen=True)
class Stage:
    """One funnel stage: its name, its count (None = not measured) and the printed count."""

    label: str
    value: float | None
    text: str


@dataclass(frozen=True)
class Step:
    """The conversion between two stages, printed: this period and the previous one."""

    text: str
    previous: str


def funnel_chart(
    stages: Sequence[Stage], steps: Sequence[Step], *, title: str, missing: str
) -> Markup:
    """Stages as bars on one linear scale, the conversion rate between each pair beside them.

    A stage that is not measured is an empty dashed box labelled `missing`,
    never a bar of 0; the rates that touch it are whatever `steps` says (the
    caller prints "—" there).
    """
    if len(steps) != max(len(stages) - 1, 0):
        raise ValueError("a funnel needs one step between each pair of stages")
    width, row, label_w, bar_x, bar_w = 720, 46, 150, 160, 360
    rate_x = bar_x + bar_w + 110
    height = row * len(stages) + 4
    known = [float(s.value) for s in stages if s.value is not None]
    top_value = max(known) if known and max(known) > 0 else 1.0
    parts = [_svg_open("chart funnel", width, height, title, 'width="100%"')]
    for index, stage in enumerate(stages):
        y = 4 + index * row
        mid = y + 15
        parts.append(
            f'<text x="{label_w}" y="{mid + 5:.1f}" text-anchor="end" font-size="13" '
            f'fill="{INK}">{escape(stage.label)}</text>'
        )
        if stage.value is None:
            parts.append(
                f'<rect class="stage missing" x="{bar_x}" y="{y + 3}" width="{bar_w}" '
                f'height="24" fill="#ffffff" stroke="{AXIS}" stroke-width="1" '
                f'stroke-dasharray="4 3"/>'
            )
            parts.append(
                f'<text x="{bar_x + 10}" y="{mid + 5:.1f}" font-size="12" fill="{MUTED}" '
                f'font-style="italic">{escape(missing)}</text>'
            )
            continue
        filled = max(bar_w * float(stage.value) / top_value, 2.0)
        parts.append(f'<rect x="{bar_x}" y="{y + 3}" width="{bar_w}" height="24" fill="{TRACK}"/>')
        parts.append(
            f'<rect class="stage" x="{bar_x}" y="{y + 3}" width="{filled:.1f}" height="24" '
            f'fill="{FUNNEL_BAR}"/>'
        )
        parts.append(
            f'<text x="{bar_x + bar_w + 8}" y="{mid + 5:.1f}" font-size="13" '
            f'font-weight="bold" fill="{INK}">{escape(stage.text)}</text>'
        )
    for index, step in enumerate(steps):
        y_from = 4 + index * row + 15
        y_to = y_from + row
        step_mid = (y_from + y_to) / 2
        parts.append(
            f'<path d="M{rate_x - 14},{y_from + 3:.1f} h6 v{row - 6:.1f} h-6" fill="none" '
            f'stroke="{AXIS}" stroke-width="1"/>'
        )
        parts.append(
            f'<text class="rate" x="{rate_x}" y="{step_mid + 1:.1f}" font-size="13" '
            f'font-weight="bold" fill="{INK}">{escape(step.text)}</text>'
        )
        if step.previous:
            parts.append(
                f'<text x="{rate_x}" y="{step_mid + 15:.1f}" font-size="10" fill="{MUTED}">'
                f"{escape(step.previous)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
