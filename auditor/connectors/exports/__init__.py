"""Native export layouts: the files clients export from their platforms, read as exported.

`LAYOUTS` lists every layout the file connector knows; `choose` picks the one a
header row is (or the one `source.format` names) and explains a refusal with the
layouts it knows and the closest one.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from auditor.connectors.exports.layouts import ga4, hubspot, klaviyo, mailchimp
from auditor.connectors.exports.model import Layout as Layout
from auditor.connectors.exports.model import norm
from auditor.core.errors import ProblemCollector, quote

LAYOUTS: tuple[Layout, ...] = (
    *mailchimp.LAYOUTS,
    *klaviyo.LAYOUTS,
    *hubspot.LAYOUTS,
    *ga4.LAYOUTS,
)
BY_ID: dict[str, Layout] = {layout.id: layout for layout in LAYOUTS}


def matching(header: Sequence[str]) -> list[Layout]:
    """Layouts whose whole signature is in the header, most specific first."""
    found = [
        lay
        for lay in LAYOUTS
        if {norm(s) for s in lay.signature} <= lay.keys(header)
        and not {norm(x) for x in lay.excludes} & lay.keys(header)
    ]
    return sorted(found, key=lambda lay: -len(lay.signature))


def closest(header: Sequence[str]) -> tuple[Layout, int] | None:
    """The layout with most of its signature in the header, and how many it lacks."""
    scored = [
        (len({norm(s) for s in lay.signature} & lay.keys(header)) / len(lay.signature), lay)
        for lay in LAYOUTS
    ]
    share, best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
    if best is None or share == 0:
        return None
    lacking = len([s for s in best.signature if norm(s) not in best.keys(header)])
    return best, lacking


def known_list() -> str:
    return ", ".join(layout.id for layout in LAYOUTS)


def detect(header: Sequence[str], line: int, problems: ProblemCollector) -> Layout | None:
    """The export layout of `header`; None when it is none (the project's own layouts)."""
    found = matching(header)
    if not found:
        return None
    if len(found) > 1 and len(found[0].signature) == len(found[1].signature):
        names = ", ".join(lay.id for lay in found if len(lay.signature) == len(found[0].signature))
        raise problems.stop(
            f"the header row fits several export layouts ({names}); name one with source.format",
            line,
        )
    return found[0]


def unknown_layout_hint(header: Sequence[str]) -> str:
    """What to say when a header is neither the project's layout nor a known export."""
    near = closest(header)
    text = f"; known export layouts: {known_list()}"
    if near is not None:
        layout, lacking = near
        text += (
            f" (closest: {layout.id}, {layout.title}, which lacks {lacking} of its "
            f"{len(layout.signature)} identifying columns here)"
        )
    return text


def by_name(name: str) -> Layout:
    """The layout `source.format` names (validated when the config is read)."""
    return BY_ID[name]


def suggestion(name: str) -> str:
    close = difflib.get_close_matches(name, list(BY_ID), n=1, cutoff=0.6)
    return f" (did you mean {quote(close[0])}?)" if close else ""
