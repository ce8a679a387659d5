"""Reading platform answers: paths into JSON pages, Retry-After, counts."""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json as _json
import math
from collections.abc import Mapping
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

from auditor.connectors.http.policy import Extractor
from auditor.core.errors import SourceResponseError

_MISSING = object()


def dig(data: Any, path: Extractor, default: Any = None) -> Any:
    """`data['a']['b']` for path 'a.b' (list indexes as digits); `default` when absent."""
    if callable(path):
        return path(data)
    current = data
    for part in path.split(".") if path else ():
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return default
    return current


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """A Retry-After header as seconds from `now` (epoch seconds); None if unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    when = _http_date(text)
    return None if when is None else max(0.0, when - now)


def _http_date(text: str | None) -> float | None:
    if not text:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def basic_auth(user: str, password: str) -> str:
    """The value of an `Authorization: Basic` header (register it: it is a secret)."""
    raw = f"{user}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _seconds(value: float) -> str:
    if value < 120:
        return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"
    if value < 7200:
        return f"{value / 60:.0f} min"
    return f"{value / 3600:.1f} h"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _fingerprint(rows: list[Any]) -> str:
    text = _json.dumps(rows, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# --- the client ---------------------------------------------------------------------------


def _as_count(value: Any) -> float | None:
    """A platform's total as a number (ActiveCampaign sends '"123"'); None if unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# --- the base class for HTTP connectors -----------------------------------------------------


def unexpected_body(platform: str, shown: str, what: str, data: Any) -> SourceResponseError:
    """An answer without what the platform's specification promises (exit 3): the request,
    what was missing, and a short excerpt (repr: never markup, never a secret's whole)."""
    excerpt = " ".join(repr(data).split())
    excerpt = excerpt if len(excerpt) <= 160 else excerpt[:157] + "..."
    return SourceResponseError(
        f"{platform}: {shown} answered an unexpected body ({what}): {excerpt}; is base_url "
        f"pointing at the {platform} API?",
        platform=platform,
    )


def json_count(platform: str, data: Mapping[str, Any], name: str, shown: str) -> float:
    """`data[name]` as a count: a JSON number of at least 0 (absent or null: 0); anything
    else is the platform's error, never read as 0."""
    value = data.get(name)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise unexpected_body(platform, shown, f"'{name}' is not a number", {name: value})
    if value < 0:
        raise unexpected_body(platform, shown, f"'{name}' is negative", {name: value})
    return float(value)


def json_object(body: bytes) -> dict[str, Any] | None:
    """A body that is a JSON object, else None (an error code some platforms put in an
    answer, read without trusting the Content-Type: a file is not parsed)."""
    if body.lstrip()[:1] != b"{":
        return None
    try:
        page = _json.loads(body)
    except ValueError:
        return None
    return page if isinstance(page, dict) else None
