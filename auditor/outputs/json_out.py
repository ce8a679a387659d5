"""The audit result as JSON (DESIGN.md section 7, schema_version 1)."""

from __future__ import annotations

import json
import math
from typing import Any


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: such values (never produced on purpose) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def render_json(result: dict[str, Any]) -> str:
    """Stable, readable JSON: UTF-8 text, two-space indent, keys in contract order."""
    return json.dumps(_clean(result), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
