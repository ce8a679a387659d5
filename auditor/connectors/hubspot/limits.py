"""HubSpot's rate limits: which policy a 429 names, and how long to wait for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests

from auditor.connectors.hubspot.api import _float


def _policy_name(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    name = body.get("policyName") if isinstance(body, dict) else None
    return str(name).upper() if name else ""


def _seconds_to_utc_midnight(response: requests.Response) -> float:
    try:
        now = parsedate_to_datetime(response.headers["Date"]).astimezone(UTC)
    except (KeyError, TypeError, ValueError, IndexError):
        now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, (midnight - now).total_seconds())


def hubspot_wait(response: requests.Response) -> float | None:
    """Seconds to wait read from HubSpot's rate-limit signals (None: nothing to add).

    A 429 without `Retry-After` waits for its policy's window (10 s rolling, 1 s
    secondly) or, for the daily quota, until the next UTC midnight, which the
    client refuses to sleep (SourceQuotaError).  A success whose
    `X-HubSpot-RateLimit-Remaining` is 0 delays the next request by the interval.
    """
    headers = response.headers
    interval = _float(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
    if response.status_code == 429:
        if headers.get("Retry-After"):
            return None
        policy = _policy_name(response)
        if (
            policy == "DAILY"
            or (headers.get("X-HubSpot-RateLimit-Daily-Remaining") or "").strip() == "0"
        ):
            return _seconds_to_utc_midnight(response)
        if policy == "SECONDLY":
            return 1.0
        if interval:
            return interval / 1000
        if policy.startswith("TEN_SECONDLY"):
            return 10.0
        return None
    if (headers.get("X-HubSpot-RateLimit-Remaining") or "").strip() == "0":
        return interval / 1000 if interval else 10.0
    return None
