"""A metric's history, fitted trend and next quarter's forecast with its intervals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from auditor.outputs.charts.svg import GRID, INK, MUTED, _svg_open

SHADE = "#eef1f5"
LINE = "#173f7a"
FORECAST = "#c2610c"


@dataclass(frozen=True)
class ForecastMonth:
    """One month ahead: the forecast and its 80 % and 95 % intervals."""

    value: float
    interval_80: tuple[float, float]
    interval_95: tuple[float, float]


def forecast_chart(
    months: Sequence[str],
    values: Sequence[float | None],
    fitted: Sequence[float | None],
    ahead: Sequence[ForecastMonth],
    left_out: Sequence[str],
    quarter: str,
    *,
    title: str,
    value: Callable[[float], str],
) -> Markup:
    """The observed months (line), the fitted trend (dashes), the months set aside (rings)
    and the next quarter's forecast with its intervals, on a shaded band."""
    known = [float(v) for v in (*values, *fitted) if v is not None]
    known += [float(b) for f in ahead for b in f.interval_95]
    low, high = min([0.0, *known]), max([0.0, *known])
    span = (high - low) if high > low else 1.0
    width, height, left, right, top, bottom = 330, 150, 52, 8, 10, 124
    count = len(months) + len(ahead)
    slot = (width - left - right) / count

    def x(i: int) -> str:
        return f"{left + slot * (i + 0.5):.1f}"

    def y(v: float) -> str:
        return f"{bottom - (float(v) - low) / span * (bottom - top):.1f}"

    parts = [
        _svg_open("chart trend forecast", width, height, title, 'width="100%"'),
        f'<rect x="{left + slot * len(months):.1f}" y="{top - 4}" '
        f'width="{slot * len(ahead):.1f}" height="{bottom - top + 4}" fill="{SHADE}"/>',
    ]
    for level in (low, high):
        parts.append(
            f'<line x1="{left}" y1="{y(level)}" x2="{width - right}" y2="{y(level)}" '
            f'stroke="{GRID}" stroke-width="0.8"/>'
        )
    for level in (high, low):
        parts.append(
            f'<text x="{left - 4}" y="{float(y(level)) + 3}" text-anchor="end" font-size="8.6" '
            f'fill="{MUTED}">{escape(value(level))}</text>'
        )
    parts += _forecast_lines(values, fitted, x, y)
    parts += _forecast_markers(months, values, left_out, x, y)
    for index, month in enumerate(ahead):
        i = len(months) + index
        parts += [
            f'<line x1="{x(i)}" y1="{y(month.interval_95[0])}" x2="{x(i)}" '
            f'y2="{y(month.interval_95[1])}" stroke="{FORECAST}" stroke-width="1"/>',
            f'<line x1="{x(i)}" y1="{y(month.interval_80[0])}" x2="{x(i)}" '
            f'y2="{y(month.interval_80[1])}" stroke="{FORECAST}" stroke-width="3.2"/>',
            f'<rect class="mk forecast" x="{float(x(i)) - 2.6}" y="{float(y(month.value)) - 2.6}" '
            f'width="5.2" height="5.2" fill="#ffffff" stroke="{FORECAST}" stroke-width="1.4"/>',
        ]
    parts += [
        f'<text x="{x(0)}" y="{bottom + 12}" text-anchor="start" font-size="8.6" '
        f'fill="{MUTED}">{escape(months[0])}</text>',
        f'<text x="{x(len(months) - 1)}" y="{bottom + 12}" text-anchor="end" font-size="8.6" '
        f'fill="{MUTED}">{escape(months[-1])}</text>',
        f'<text x="{x(len(months) + 1)}" y="{bottom + 22}" text-anchor="middle" font-size="8.6" '
        f'font-weight="bold" fill="{INK}">{escape(quarter)}</text>',
        "</svg>",
    ]
    return Markup("\n".join(parts) + "\n")


def _forecast_lines(
    values: Sequence[float | None],
    fitted: Sequence[float | None],
    x: Callable[[int], str],
    y: Callable[[float], str],
) -> list[str]:
    parts = []
    for i in range(1, len(values)):
        before, now = fitted[i - 1], fitted[i]
        if before is not None and now is not None:
            parts.append(
                f'<line x1="{x(i - 1)}" y1="{y(before)}" x2="{x(i)}" y2="{y(now)}" '
                f'stroke="{MUTED}" stroke-width="1.2" stroke-dasharray="4 3"/>'
            )
        seen_before, seen_now = values[i - 1], values[i]
        if seen_before is not None and seen_now is not None:
            parts.append(
                f'<line x1="{x(i - 1)}" y1="{y(seen_before)}" x2="{x(i)}" y2="{y(seen_now)}" '
                f'stroke="{LINE}" stroke-width="1.6"/>'
            )
    return parts


def _forecast_markers(
    months: Sequence[str],
    values: Sequence[float | None],
    left_out: Sequence[str],
    x: Callable[[int], str],
    y: Callable[[float], str],
) -> list[str]:
    parts = []
    for i, seen in enumerate(values):
        if seen is None:
            continue
        if months[i] in left_out:
            parts.append(
                f'<circle class="mk left-out" cx="{x(i)}" cy="{y(seen)}" r="3.4" fill="#ffffff" '
                f'stroke="{FORECAST}" stroke-width="1.6"/>'
            )
        else:
            parts.append(f'<circle class="mk" cx="{x(i)}" cy="{y(seen)}" r="1.8" fill="{LINE}"/>')
    return parts
