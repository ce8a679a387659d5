"""Horizontal bars: the funnel, value bars (lead-score deciles, channels) and grouped bars
(plan scenarios)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from auditor.outputs.charts.svg import AXIS, FUNNEL_BAR, INK, MUTED, TRACK, _svg_open, _text_width


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


BAR = "#173f7a"


@dataclass(frozen=True)
class ValueBar:
    """One labelled bar: its length's value (negative draws none) and the text after it."""

    label: str
    value: float
    text: str


def value_bars(
    bars: Sequence[ValueBar],
    *,
    title: str,
    label_width: int,
    x0: int,
    track: int,
    top_pad: int,
    extra_height: int,
    average: tuple[float, str] | None = None,
) -> Markup:
    """Horizontal bars scaled to the largest value (lead-score deciles, channels' ROAS);
    `average` draws a dashed line at that value with its caption."""
    row_h = 22
    largest = max([max((b.value for b in bars), default=0), *([average[0]] if average else [])])
    largest = largest if largest > 0 else 1
    height = row_h * len(bars) + extra_height
    parts = [_svg_open("chart", 660, height, title, 'width="100%"')]
    if average is not None:  # first, so the bars' value labels are drawn over it
        ax = x0 + track * average[0] / largest
        parts += [
            f'<line x1="{ax:.1f}" y1="2" x2="{ax:.1f}" y2="{height - 16}" stroke="{MUTED}" '
            'stroke-width="1" stroke-dasharray="4 3"/>',
            f'<text x="{ax:.1f}" y="{height - 4}" text-anchor="middle" font-size="10" '
            f'fill="{MUTED}">{escape(average[1])}</text>',
        ]
    for index, bar in enumerate(bars):
        y = top_pad + index * row_h
        w = track * max(bar.value, 0) / largest
        parts += [
            f'<text x="{label_width}" y="{y + 14}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(bar.label)}</text>',
            f'<rect x="{x0}" y="{y + 3}" width="{w:.1f}" height="14" rx="2" fill="{BAR}"/>',
            # a white ground under the value, so the average line never runs through it
            f'<rect x="{x0 + w + 3:.1f}" y="{y + 2}" width="{_text_width(bar.text, 11) + 6:.1f}" '
            'height="16" fill="#ffffff"/>',
            f'<text x="{x0 + w + 6:.1f}" y="{y + 14}" font-size="11" fill="{INK}">'
            f"{escape(bar.text)}</text>",
        ]
    parts.append("</svg>")
    return Markup("\n".join(parts) + "\n")


@dataclass(frozen=True)
class BarGroup:
    """A titled group of bars (a plan scenario): (label, value or None, text, colour) rows."""

    title: str
    rows: tuple[tuple[str, float | None, str, str], ...]


def grouped_bars(groups: Sequence[BarGroup], *, title: str) -> Markup:
    """Groups of horizontal bars on one scale; a row without a value shows a dash."""
    bar_h, group_h, x0, track = 14, 70, 200, 300
    largest = max([0.0, *(float(v) for g in groups for _, v, _, _ in g.rows if v is not None)])
    largest = largest if largest > 0 else 1
    height = group_h * len(groups) + 4
    parts = [_svg_open("chart", 660, height, title, 'width="100%"')]
    for index, group in enumerate(groups):
        gy = 4 + index * group_h
        parts.append(
            f'<text x="0" y="{gy + 12}" font-size="12" font-weight="bold" fill="{INK}">'
            f"{escape(group.title)}</text>"
        )
        for row_index, (label, value, text, colour) in enumerate(group.rows):
            y = gy + 18 + row_index * (bar_h + 2)
            parts.append(
                f'<text x="{x0 - 6}" y="{y + 11}" text-anchor="end" font-size="11" '
                f'fill="{INK}">{escape(label)}</text>'
            )
            if value is None:
                parts.append(f'<text x="{x0}" y="{y + 11}" font-size="11" fill="{MUTED}">—</text>')
                continue
            w = track * max(float(value), 0) / largest
            parts += [
                f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="2" fill="{colour}"/>',
                f'<text x="{x0 + w + 6:.1f}" y="{y + 11}" font-size="11" fill="{INK}">'
                f"{escape(text)}</text>",
            ]
    parts.append("</svg>")
    return Markup("\n".join(parts) + "\n")
