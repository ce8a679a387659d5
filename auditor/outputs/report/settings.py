"""The report's look from the result: accent colour, page size, logo and fonts, each checked."""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from auditor.core.logos import LOGO_TYPES, logo_problem
from auditor.core.resources import templates_dir

DEFAULT_ACCENT = "#0b5fff"
PAGE_SIZES = {"A4": "A4", "Letter": "letter"}
FONTS = (  # (weight, file for the PDF, Latin subset for the standalone HTML)
    ("normal", "fonts/DejaVuSans.ttf", "fonts/DejaVuSans-web.woff2"),
    ("bold", "fonts/DejaVuSans-Bold.ttf", "fonts/DejaVuSans-Bold-web.woff2"),
)
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


# ------------------------------------------------------------------ settings
def report_settings(result: Mapping[str, Any]) -> Mapping[str, Any]:
    """`config.report` of the result, empty when absent."""
    return (result.get("config") or {}).get("report") or {}


def accent_colour(result: Mapping[str, Any]) -> str:
    """The configured accent if it is a hex colour, else the default: never raw text into CSS."""
    accent = report_settings(result).get("accent")
    if isinstance(accent, str) and _HEX_COLOUR.fullmatch(accent):
        return accent.lower()
    return DEFAULT_ACCENT


def _tint(hex_colour: str, white: float) -> str:
    """The colour mixed with `white` parts of white: soft backgrounds without CSS color-mix."""
    digits = hex_colour[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(c + (255 - c) * white) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def page_size(result: Mapping[str, Any]) -> str:
    """CSS `size` keyword for the configured page size; A4 for anything unknown."""
    return PAGE_SIZES.get(str(report_settings(result).get("page_size") or "A4"), "A4")


def logo_path(result: Mapping[str, Any]) -> Path | None:
    """The configured logo, only if it is an absolute path to an image the report can show.

    The PDF fetcher allows exactly this file.  The config loader refuses any logo
    that `logo_problem` would leave out, so one is dropped here only if the file
    changed since, or the result comes from elsewhere (another machine's JSON).
    """
    logo = report_settings(result).get("logo")
    if not isinstance(logo, str) or not logo:
        return None
    path = Path(logo)
    if not path.is_absolute():
        return None
    resolved = path.resolve()
    return None if logo_problem(resolved) else resolved


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def logo_uri(result: Mapping[str, Any], *, standalone: bool) -> str | None:
    """The logo as the PDF fetcher's `file:` URL, or inline for the standalone HTML."""
    path = logo_path(result)
    if path is None:
        return None
    return _data_uri(path, LOGO_TYPES[path.suffix.lower()]) if standalone else path.as_uri()


@cache
def font_faces(standalone: bool) -> Markup:
    """The @font-face rules: shipped files for the PDF, inline WOFF2 subsets for the HTML."""
    rules = []
    for weight, full, subset in FONTS:
        if standalone:
            source = _data_uri(templates_dir() / subset, "font/woff2")
            src = f'url({source}) format("woff2")'
        else:
            src = f"url({full})"
        rules.append(
            f'@font-face {{ font-family: "Report Sans"; src: {src}; font-weight: {weight}; }}'
        )
    return Markup("\n".join(rules))
