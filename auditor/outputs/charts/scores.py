"""Score bars and the overall score's ring."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from auditor.outputs.charts.svg import (
    BAND_COLOURS,
    INK,
    MUTED,
    TRACK,
    _clamp,
    _svg_open,
    score_band,
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
