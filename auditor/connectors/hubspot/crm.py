"""Lifecycle stages (CRM search totals) and deals (won amounts, lost totals) per month."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from auditor.connectors.http import HttpClient, dig
from auditor.connectors.hubspot import api
from auditor.connectors.hubspot.api import (
    _CURRENCY_CODE,
    CONTACTS_SEARCH,
    DEAL_AMOUNT,
    DEAL_CURRENCY,
    DEAL_METRICS,
    DEALS_SEARCH,
    HOME_AMOUNT,
    MONEY_METRICS,
    _between,
    _count,
    _float,
    _is_set,
    _malformed,
    _more_pages,
    _results,
    _search_total,
)
from auditor.connectors.hubspot.state import RunState
from auditor.connectors.timeutil import (
    month_bounds,
    to_epoch_ms,
)
from auditor.core.period import Month
from auditor.core.shapes import mapping_or_empty


class CrmSection(RunState):
    """Counts of contacts entering each stage, and the month's closed deals."""

    def _stages(self, client: HttpClient) -> None:
        options = self.options
        stages = (
            ("leads_new", options.lead_date_property),
            ("mqls", options.mql_date_property),
            ("sqls", options.sql_date_property),
            ("customers_new", options.customer_date_property),
        )
        for metric, prop in stages:
            found: dict[Month, dict[str, float]] = {}
            for month in self.months:
                start, end = month_bounds(month, self.tz)
                filters = [_between(prop, start, end)]
                found[month] = {metric: float(_count(client, CONTACTS_SEARCH, filters))}
            self._keep_unless_all_zero(
                found,
                metric,
                (metric,),
                f"no HubSpot contact has '{prop}' in {self._span()} (the stage is unused or "
                "the property empty): undefined, not 0",
            )

    # --- deals ---

    def _deal_bounds(self, month: Month) -> tuple[datetime, datetime]:
        return month_bounds(month, "UTC" if self.options.closedate_as_date else self.tz)

    def _pipeline_filter(self) -> list[dict[str, Any]]:
        pipelines = list(self.options.pipelines)
        return (
            [{"propertyName": "pipeline", "operator": "IN", "values": pipelines}]
            if pipelines
            else []
        )

    def _deals(self, client: HttpClient) -> None:
        options = self.options
        found: dict[Month, dict[str, float]] = {}
        for month in self.months:
            start, end = self._deal_bounds(month)
            won = self._won_deals(client, to_epoch_ms(start), to_epoch_ms(end))
            lost = _count(
                client,
                DEALS_SEARCH,
                [
                    {"propertyName": "hs_is_closed", "operator": "EQ", "value": "true"},
                    {"propertyName": "hs_is_closed_won", "operator": "EQ", "value": "false"},
                    _between("closedate", start, end),
                    *self._pipeline_filter(),
                ],
            )
            revenue = attributed = 0.0
            with_source = 0
            for deal in won:
                props = mapping_or_empty(deal.get("properties"))
                amount = self._home_amount(props)
                source = str(props.get(options.source_property) or "").strip()
                marketing = bool(source) and source.upper() not in {
                    s.upper() for s in options.non_marketing_sources
                }
                revenue += amount
                if marketing:
                    with_source += 1
                    attributed += amount
            found[month] = {
                "deals_won": float(len(won)),
                "deals_lost": float(lost),
                "revenue_won": revenue,
                "deals_won_with_source": float(with_source),
                "revenue_attributed": attributed,
                "_closed": float(len(won) + lost),
            }
        self._keep_unless_all_zero(
            found,
            "_closed",
            DEAL_METRICS,
            f"no HubSpot deal closed (won or lost) from {self._span()}"
            + (f" in pipelines {', '.join(options.pipelines)}" if options.pipelines else "")
            + ": deal metrics are undefined, not 0",
        )
        for values in self.monthly.values():
            values.pop("_closed", None)
        if self.foreign:
            self._refuse_mixed_currencies()

    def _refuse_mixed_currencies(self) -> None:
        """Revenue not measured: some won deals' money is not in the company currency."""
        prop = self.options.amount_property
        counts = ", ".join(f"{n} in {code}" for code, n in sorted(self.foreign.items()))
        home = self.home_currency or "unknown (no account details)"
        if prop == DEAL_AMOUNT:
            how = f"their {DEAL_AMOUNT} is in each deal's own currency ({DEAL_CURRENCY})"
        else:
            how = f"they have no {prop} and their {DEAL_AMOUNT} is in another currency"
        why = (
            f"HubSpot won deals {counts}: {how}, and the company currency is {home}; amounts "
            "in two currencies are never added, so revenue is not measured"
            + (f" (use amount_property: {HOME_AMOUNT})" if prop == DEAL_AMOUNT else "")
        )
        for metric in MONEY_METRICS:
            self.reasons[metric] = why
            for values in self.monthly.values():
                values.pop(metric, None)

    def _won_deals(self, client: HttpClient, lo: int, hi: int) -> list[dict[str, Any]]:
        """Won deals with closedate in [lo, hi) ms, split in halves past the 10,000 cap."""
        options = self.options
        shown = f"POST {DEALS_SEARCH}"
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "hs_is_closed_won", "operator": "EQ", "value": "true"},
                        {
                            "propertyName": "closedate",
                            "operator": "BETWEEN",
                            "value": str(lo),
                            "highValue": str(hi - 1),
                        },
                        *self._pipeline_filter(),
                    ]
                }
            ],
            "properties": sorted(
                {
                    options.amount_property,
                    DEAL_AMOUNT,
                    DEAL_CURRENCY,
                    options.source_property,
                    "closedate",
                    "pipeline",
                }
            ),
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "limit": options.search_page_size,
        }
        first = client.post_json(DEALS_SEARCH, body, bucket="search")
        client.log.pages += 1
        total = _search_total(first, shown)
        if total > api.SEARCH_CAP and hi - lo > 1:
            self.splits += 1
            middle = (lo + hi) // 2
            return self._won_deals(client, lo, middle) + self._won_deals(client, middle, hi)
        rows = _results(first, shown)
        after = dig(first, "paging.next.after")
        if after not in (None, "") and rows:
            rows.extend(_more_pages(client, DEALS_SEARCH, body, str(after)))
        unique: dict[str, dict[str, Any]] = {}
        for deal in rows:
            if not isinstance(deal, dict):
                raise _malformed(shown, "a result that is not an object", deal)
            unique[str(deal.get("id", len(unique)))] = deal
        return list(unique.values())

    def _home_amount(self, props: Mapping[str, Any]) -> float:
        """A won deal's amount in the company currency; 0 when it has none or another one.

        A deal without `amount_in_home_currency` whose `amount` is in the company
        currency (its `deal_currency_code` is that or empty, HubSpot's default)
        gives that amount; one in another currency is counted in `self.foreign`
        and revenue is then not measured (`_refuse_mixed_currencies`).
        """
        prop = self.options.amount_property
        code = str(props.get(DEAL_CURRENCY) or "").strip().upper()
        value = props.get(prop)
        in_deal_currency = prop == DEAL_AMOUNT
        if prop == HOME_AMOUNT and not _is_set(value) and _is_set(props.get(DEAL_AMOUNT)):
            value, in_deal_currency = props.get(DEAL_AMOUNT), True
            if not code or code == self.home_currency:
                self.home_from_amount += 1
        if in_deal_currency and code and code != self.home_currency:
            self.foreign[code if _CURRENCY_CODE.match(code) else "an invalid code"] += 1
            return 0.0
        return self._amount(value)

    def _amount(self, value: Any) -> float:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.deal_notes["won_without_amount"] += 1
            return 0.0
        number = _float(value.strip() if isinstance(value, str) else value)
        if number is None:
            self.deal_notes["unreadable_amounts"] += 1
            return 0.0
        return number
