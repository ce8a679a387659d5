"""The report's logo: which files are accepted, checked once for the config and the renderer.

A logo is accepted only if the report will show it, so none is dropped
silently: the config check (`auditor.config`, at `report.logo`) and the
renderer (`auditor.outputs.report.settings.logo_path`) ask the same question here.

- Types: `.png`, `.jpg`/`.jpeg` and `.svg`, and the content must be what the
  name says: PNG and JPEG by their magic bytes, SVG by parsing it as XML whose
  root element is `<svg>` (a text file renamed `logo.png` is refused).
- Size: at most `MAX_LOGO_BYTES` (5 MB).  The HTML report carries the logo
  inline as base64, and a cover logo never needs more.

Standard library only: the config check runs on every command.
"""

from __future__ import annotations

from pathlib import Path

LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}
MAX_LOGO_BYTES = 5_000_000
_MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff"}
_MAGIC_BYTES = max(len(magic) for magic in _MAGIC.values())
_KIND = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".svg": "SVG"}
_SVG_ROOTS = ("svg", "{http://www.w3.org/2000/svg}svg")


def logo_problem(path: Path) -> str | None:
    """Why the report could not show `path` as its logo; None when it can."""
    suffix = path.suffix.lower()
    if suffix not in LOGO_TYPES:
        return f"logo must be one of {', '.join(LOGO_TYPES)}"
    try:
        if not path.is_file():
            return f"logo file not found: {path}"
        size = path.stat().st_size
        if size > MAX_LOGO_BYTES:
            return (
                f"logo {path.name} is {size / 1e6:.1f} MB; the limit is "
                f"{MAX_LOGO_BYTES / 1e6:g} MB ({MAX_LOGO_BYTES:,} bytes): use a smaller image"
            )
        with path.open("rb") as file:  # the whole SVG is parsed; of an image, its start
            data = file.read() if suffix == ".svg" else file.read(_MAGIC_BYTES)
    except OSError as exc:
        return f"logo {path.name} cannot be read: {exc.strerror or exc}"
    kind = _KIND[suffix]
    if suffix == ".svg":
        reason = _svg_problem(data)
        return f"logo {path.name} is not an SVG image: {reason}" if reason else None
    if data.startswith(_MAGIC[suffix]):
        return None
    actual = next((s for s, magic in _MAGIC.items() if data.startswith(magic)), None)
    hint = f" (it is a {_KIND[actual]}: name it {actual})" if actual else ""
    return f"logo {path.name} is not a {kind} image: its content does not start as one{hint}"


def _svg_problem(data: bytes) -> str | None:
    """Why `data` is not an SVG document (XML whose root is <svg>); None when it is."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return f"not well-formed XML ({exc})"
    if root.tag not in _SVG_ROOTS:
        return f"its root element is <{root.tag}>, not <svg>"
    return None
