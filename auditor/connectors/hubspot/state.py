"""One fetch's state, shared by its sections: the months, what was found, and why anything
was not measured."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from auditor.connectors.http import HttpClient, HttpConnector
from auditor.connectors.hubspot.api import (
    ACCOUNT_DETAILS,
    MONEY_METRICS,
    T,
    _malformed,
    _refused_scope,
)
from auditor.connectors.hubspot.options import HubSpotOptions
from auditor.core.errors import (
    SourceAuthError,
    SourceNotFoundError,
)
from auditor.core.models import Engagement, Lead
from auditor.core.period import Month


class RunState:
    """One fetch: the months, what was found, and why anything was not measured. Each
    section (a mixin over this class) adds to it."""

    def __init__(
        self,
        connector: HttpConnector,
        options: HubSpotOptions,
        months: list[Month],
        now: datetime,
    ) -> None:
        self.connector = connector
        self.options = options
        self.months = months
        self.now = now
        self.tz = connector.timezone
        self.monthly: dict[Month, dict[str, float]] = {}
        self.reasons: dict[str, str] = {}
        self.refused: dict[str, SourceAuthError | SourceNotFoundError] = {}
        self.account: dict[str, Any] | None = None
        self.workflows: dict[str, Any] = {}
        self.deal_notes: dict[str, Any] = {"won_without_amount": 0, "unreadable_amounts": 0}
        self.home_currency: str | None = None  # the portal's companyCurrency, when known
        self.home_from_amount = 0  # won deals without a home amount, `amount` in home currency
        self.foreign: Counter[str] = Counter()  # won deals in another currency, by currency
        self.hard_only: list[Month] = []  # months without a softbounced counter
        self.splits = 0
        self.traffic_notes: list[str] = []
        self.leads: list[Lead] = []
        self.lead_notes: dict[str, Any] = {}
        self.automated_emails: int | None = None  # automated emails listed in the portal
        self.engagement: Engagement | None = None  # mailed and unengaged contacts, now

    def _optional(self, name: str, call: Callable[[], T], *, missing_ok: bool) -> T | None:
        try:
            return call()
        except SourceAuthError as exc:
            if not _refused_scope(exc):
                raise
            self.refused[name] = exc
        except SourceNotFoundError as exc:
            if not missing_ok:
                raise
            self.refused[name] = exc
        return None

    def _refusal(self, name: str, scope: str) -> str:
        exc = self.refused[name]
        if isinstance(exc, SourceNotFoundError):
            return f"HubSpot has no {name} endpoint here (HTTP 404 on {exc.path}): not measured"
        return (
            f"HubSpot refused the {name} data (HTTP 403): the private app lacks the {scope} "
            "scope or the portal lacks the product; not measured"
        )

    def _put(self, month: Month, values: Mapping[str, float]) -> None:
        self.monthly.setdefault(month, {}).update(values)

    def _keep_unless_all_zero(
        self, found: Mapping[Month, Mapping[str, float]], key: str, metrics: Iterable[str], why: str
    ) -> None:
        """Store `found`, unless `key` is 0 in every month: then the metrics are undefined."""
        if found and any(values.get(key, 0) for values in found.values()):
            for month, values in found.items():
                self._put(month, values)
            return
        for metric in metrics:
            self.reasons[metric] = why

    def _span(self) -> str:
        return f"{self.months[0]} to {self.months[-1]}"

    def money_currency(self) -> str | None:
        """The currency of the money delivered: the company currency, when revenue was."""
        if self.home_currency is None:
            return None
        money = any(m in v for v in self.monthly.values() for m in MONEY_METRICS)
        return self.home_currency if money else None

    # --- account ---

    def _account(self, client: HttpClient) -> dict[str, Any]:
        info = client.get_json(ACCOUNT_DETAILS)
        if not isinstance(info, dict):
            raise _malformed(f"GET {ACCOUNT_DETAILS}", "not an object", info)
        keep = (
            "portalId",
            "timeZone",
            "companyCurrency",
            "additionalCurrencies",
            "dataHostingLocation",
            "accountType",
        )
        return {key: info[key] for key in keep if key in info}
