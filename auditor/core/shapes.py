"""Reading untrusted nested data (a platform's JSON, a stored result) without KeyErrors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def mapping_or_empty(value: object) -> Mapping[str, Any]:
    """`value` when it is a mapping, else an empty one: a missing or malformed block reads
    as having no keys."""
    return value if isinstance(value, Mapping) else {}
