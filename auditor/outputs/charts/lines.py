"""Lines over periods: the trend charts of each category and the findings' sparklines."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from auditor.outputs.charts.svg import (
    AXIS,
    GRID,
    HIGHLIGHT,
    INK,
    MUTED,
    SERIES_COLOURS,
    SERIES_DASHES,
    SERIES_MARKERS,
    _marker,
    _period_labels,
    _spread,
    _svg_open,
    _text_width,
    nice_ticks,
)


@dataclass(frozen=True)
class Series:
    """One line of a trend chart: its direct label and one value (or None) per period."""

    label: str
    values: Sequence[float | None]


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
