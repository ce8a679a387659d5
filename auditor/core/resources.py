"""Where the shipped data lives: rule packs, report templates, the demo client.

In a wheel, `rules/` and `report_templates/` are force-included under
`auditor/_data/`; in a source checkout (editable install, or tests run from the
tree) they sit at the repository top, next to the package.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


@cache
def _data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"shipped folder '{name}' is missing from the auditor installation")


def rules_dir() -> Path:
    """Folder of the shipped rule packs (`<name>.yaml`)."""
    return _data_dir("rules")


def templates_dir() -> Path:
    """Folder of the report templates, CSS and fonts."""
    return _data_dir("report_templates")


def demo_dir() -> Path:
    """Folder of the bundled demo client (config + data), part of the package itself."""
    return _PACKAGE / "demo"
