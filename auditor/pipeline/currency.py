"""One currency per audit: the config's `costs.currency` against the source's money.

A connector that knows the currency its money metrics are in (a HubSpot
portal's company currency) states it in `SourceData.currency`.  Costs and
revenue are then divided by each other (ROI, CAC), so they must be one
currency:

- `costs.currency` written in the config and different from the source's:
  a config error (exit 2) naming the line, never a silent mix;
- `costs.currency` not written: the audit takes the source's currency (the
  EUR default is only a default), with a warning saying so, since any cost
  amounts in the config are then read in that currency;
- a source that states no currency (a file, a platform that does not say):
  the config's currency, as before.
"""

from __future__ import annotations

import dataclasses

from auditor.config.settings import AuditConfig
from auditor.core.errors import InputError
from auditor.core.models import SourceData
from auditor.metrics.catalog import BASE_BY_ID


def money_metrics(data: SourceData) -> list[str]:
    """The money base metrics the source measured in at least one month."""
    found = {m for values in data.monthly.values() for m in values}
    return sorted(m for m in found if m in BASE_BY_ID and BASE_BY_ID[m].unit == "money")


def reconcile_currency(config: AuditConfig, data: SourceData) -> tuple[AuditConfig, list[str]]:
    """The config to audit with (its currency settled) and the warnings to show.

    Raises InputError (exit 2) when `costs.currency` is written and is not the
    currency of the source's money.
    """
    source = data.currency
    if not source or source == config.currency:
        return config, []
    money = ", ".join(money_metrics(data)) or "its money metrics"
    if config.currency_set:
        raise InputError(
            config.located.problem(
                ("costs", "currency"),
                f"is {config.currency}, but {data.label} states its money ({money}) in "
                f"{source}: costs and revenue would be two currencies read as one. Set "
                f"costs.currency: {source} and give the costs in {source} (the audit never "
                "converts or adds two currencies)",
                at_value=True,
            )
        )
    costs = config.costs or config.channel_costs
    warning = (
        f"costs.currency is not set: the audit's money is in {source}, the currency of "
        f"{data.label} (not the default {config.currency})"
        + ("; the costs in the config are read as " + source if costs else "")
        + f". Write costs.currency: {source} to make it explicit"
    )
    return dataclasses.replace(config, currency=source), [warning]
