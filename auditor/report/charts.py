"""Tiny hand-written SVG charts for the report.

Hand-built SVG costs about a millisecond, stays vector and searchable in the
PDF, and avoids matplotlib's import cost and the id collisions and warnings of
its inline SVG (shared/reference/weasyprint.md section 3b).  Every text label
goes through `escape`, every number through `float`, so result data can never
inject markup; the builders return `Markup` so templates need no `|safe`.
The `font-family` presentation attribute sits on each `<svg>` root because
SVG text does not inherit the HTML font.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT_FAMILY = "Report Sans"
TRACK = "#e4e7eb"
INK = "#1f2933"
MUTED = "#616e7c"
# Score bands follow RULES.md: >= 90 reads as pass, >= 50 as warn, below as fail.
BAND_COLOURS = {"good": "#1a7f37", "average": "#b86e00", "poor": "#c62828"}


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
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" font-family="{FONT_FAMILY}" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
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


def score_ring(score: float | None, *, text: str, caption: str, title: str) -> Markup:
    """A ring filled to the score, the score printed inside: the summary's headline figure."""
    size, radius, stroke = 120, 48, 12
    centre = size / 2
    circumference = 2 * 3.141592653589793 * radius
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ring" role="img" '
        f'viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        f'font-family="{FONT_FAMILY}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
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
