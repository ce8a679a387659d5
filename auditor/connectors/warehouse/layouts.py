"""Query packs: for each layout, how each base metric is one aggregate per month.

A metric is an aggregate (`COUNT(*)`, `COUNT(DISTINCT col)` or `SUM(col)`) over one table
(optionally joined to a second), filtered, with a timestamp column that places each row
in a month. The expressions are written once in DuckDB's SQL and compiled for each
engine by sqlglot (query.py); the month buckets are the auditor's, not the engine's.

`fivetran_hubspot`: Fivetran's HubSpot connector, raw tables (columns as declared in
fivetran/dbt_hubspot `models/staging/src_hubspot.yml`; timestamps are UTC). Email
definitions follow dbt_hubspot's own (`int_hubspot__email_event_aggregates.sql`,
`int_hubspot__email_aggregate_status_change.sql`): events by `type`, unique opens and
clicks as distinct sends (`sent_by_id`), unsubscribes as status changes to
`UNSUBSCRIBED` caused by a send; events HubSpot filtered out of reporting
(`filtered_event`) and contacts Fivetran marks deleted (`_fivetran_deleted`) are left out.
MQLs, SQLs and new customers are contacts whose `lifecyclestage` property changed to
that stage in the month (`contact_property_history`, as dbt_hubspot's contact history);
deals won and lost by `property_closedate`, their stage's `closed_won` / `is_closed`
(`deal_pipeline_stage`), deleted deals left out; revenue in the company's currency
(`property_amount_in_home_currency`, as the HubSpot connector reads it, never the
deal's own-currency `property_amount`); the closed loop from `property_hs_analytics_source`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class MetricQuery:
    """One base metric's monthly aggregate."""

    table: str
    """The layout's table name (renamable through `source.tables`)."""
    timestamp: str
    """The column whose value places a row in a month (UTC)."""
    aggregate: str
    """`count`, `distinct:<column>` or `sum:<column>`."""
    where: str = ""
    """A filter in DuckDB's SQL over the table's columns (alias `t`, joined table `j`)."""
    join: tuple[str, str] | None = None
    """(layout table, `ON` condition) of an inner join, alias `j`."""
    epoch_ms: bool = False
    """The timestamp column holds epoch milliseconds (Airbyte's HubSpot events)."""


_REPORTED = "NOT COALESCE(t.filtered_event, FALSE)"


def _marketing(prefix: str) -> str:
    """A deal whose original source (HubSpot's `hs_analytics_source`) is known and is not
    OFFLINE (imports, the CRM, the API): the HubSpot connector's default closed loop."""
    source = f"UPPER(COALESCE(t.{prefix}_hs_analytics_source, ''))"
    return f"{source} <> '' AND {source} <> 'OFFLINE'"


def _event(kind: str, aggregate: str = "count") -> MetricQuery:
    return MetricQuery("email_event", "created", aggregate, f"t.type = '{kind}' AND {_REPORTED}")


FIVETRAN_HUBSPOT: Mapping[str, MetricQuery] = {
    "emails_sent": _event("SENT"),
    "emails_delivered": _event("DELIVERED"),
    "unique_opens": _event("OPEN", "distinct:sent_by_id"),
    "unique_clicks": _event("CLICK", "distinct:sent_by_id"),
    "bounces": _event("BOUNCE"),
    "spam_complaints": _event("SPAMREPORT"),
    "unsubscribes": MetricQuery(
        "email_event",
        "created",
        "distinct:t.id",
        f"t.type = 'STATUSCHANGE' AND t.sent_by_id IS NOT NULL AND {_REPORTED} "
        "AND j.portal_subscription_status = 'UNSUBSCRIBED'",
        join=("email_event_status_change", "j.id = t.id"),
    ),
    "leads_new": MetricQuery(
        "contact", "property_createdate", "count", "NOT COALESCE(t._fivetran_deleted, FALSE)"
    ),
    **{
        metric: MetricQuery(
            "contact_property_history",
            "timestamp",
            "distinct:contact_id",
            f"t.name = 'lifecyclestage' AND t.value = '{stage}'",
        )
        for metric, stage in (
            ("mqls", "marketingqualifiedlead"),
            ("sqls", "salesqualifiedlead"),
            ("customers_new", "customer"),
        )
    },
    **{
        metric: MetricQuery(
            "deal",
            "property_closedate",
            aggregate,
            f"NOT COALESCE(t.is_deleted, FALSE) AND NOT COALESCE(t._fivetran_deleted, FALSE) "
            f"AND {stage}",
            join=("deal_pipeline_stage", "j.stage_id = t.deal_pipeline_stage_id"),
        )
        for metric, aggregate, stage in (
            ("deals_won", "count", "j.closed_won"),
            ("revenue_won", "sum:property_amount_in_home_currency", "j.closed_won"),
            ("deals_lost", "count", "j.is_closed AND NOT j.closed_won"),
            ("deals_won_with_source", "count", f"j.closed_won AND {_marketing('property')}"),
            (
                "revenue_attributed",
                "sum:property_amount_in_home_currency",
                f"j.closed_won AND {_marketing('property')}",
            ),
        )
    },
}


def _send(flag: str | None = None) -> MetricQuery:
    where = "NOT COALESCE(t.is_contact_deleted, FALSE)"
    return MetricQuery(
        "hubspot__email_sends",
        "email_send_timestamp",
        "count",
        f"{where} AND t.{flag}" if flag else where,
    )


FIVETRAN_DBT_HUBSPOT: Mapping[str, MetricQuery] = {
    "emails_sent": _send(),
    "emails_delivered": _send("was_delivered"),
    "unique_opens": _send("was_opened"),
    "unique_clicks": _send("was_clicked"),
    "bounces": _send("was_bounced"),
    "spam_complaints": _send("was_spam_reported"),
    "unsubscribes": _send("was_unsubscribed"),
    "leads_new": MetricQuery(
        "hubspot__contacts", "created_date", "count", "NOT COALESCE(t.is_contact_deleted, FALSE)"
    ),
    **{
        metric: MetricQuery(
            "hubspot__contact_history",
            "valid_from",
            "distinct:contact_id",
            f"t.field_name = 'lifecyclestage' AND t.new_value = '{stage}'",
        )
        for metric, stage in (
            ("mqls", "marketingqualifiedlead"),
            ("sqls", "salesqualifiedlead"),
            ("customers_new", "customer"),
        )
    },
    **{
        metric: MetricQuery(
            "hubspot__deals",
            "closed_date",
            aggregate,
            f"NOT COALESCE(t.is_deal_deleted, FALSE) AND j.is_pipeline_stage_closed AND {won}",
            join=("hubspot__deal_stages", "j.deal_id = t.deal_id AND j.is_stage_active"),
        )
        for metric, aggregate, won in (
            ("deals_won", "count", "j.pipeline_stage_probability >= 1"),
            ("revenue_won", "sum:amount", "j.pipeline_stage_probability >= 1"),
            ("deals_lost", "count", "j.pipeline_stage_probability < 1"),
        )
    },
}
"""`fivetran_dbt_hubspot`: the models of fivetran/dbt_hubspot (`models/marketing/
marketing.yml`, `history/history.yml`): `hubspot__email_sends` has one row per send with
`was_delivered`, `was_opened`, `was_clicked`, `was_bounced`, `was_spam_reported`,
`was_unsubscribed`, so email metrics count sends by the month they were sent (the send
cohort, as the platforms' own reports count); `hubspot__contacts.created_date`;
`hubspot__contact_history (contact_id, field_name, new_value, valid_from)`. The models
keep no won flag (`stg_hubspot__deal_pipeline_stage` folds `closed_won` into
`is_closed`), so a closed deal is won when its stage's probability is 1.0: HubSpot
requires a deal stage's probability, "0.0 being Closed Lost and 1.0 being Closed Won"
(CRM pipelines API guide). Deals are `hubspot__deals` (`closed_date`, `amount`,
`is_deal_deleted`) joined to their current row of `hubspot__deal_stages`
(`is_stage_active`, `is_pipeline_stage_closed`, `pipeline_stage_probability`). The models
keep only the deal's own-currency `amount` (and no original source) unless the project
passes more properties through (`hubspot__deal_pass_through_columns`)."""


def _marketo_send(flag: str | None = None) -> MetricQuery:
    return MetricQuery(
        "marketo__email_sends", "activity_timestamp", "count", f"t.{flag}" if flag else ""
    )


FIVETRAN_DBT_MARKETO: Mapping[str, MetricQuery] = {
    "emails_sent": _marketo_send(),
    "emails_delivered": _marketo_send("was_delivered"),
    "unique_opens": _marketo_send("was_opened"),
    "unique_clicks": _marketo_send("was_clicked"),
    "bounces": _marketo_send("was_bounced"),
    "unsubscribes": _marketo_send("was_unsubscribed"),
    "emails_automated": MetricQuery(
        "marketo__email_sends", "activity_timestamp", "count", "t.campaign_type = 'trigger'"
    ),
    "leads_new": MetricQuery(
        "marketo__leads", "created_timestamp", "count", "NOT COALESCE(t.is_deleted, FALSE)"
    ),
}
"""`fivetran_dbt_marketo`: the models of fivetran/dbt_marketo (`models/marketo.yml`):
`marketo__email_sends` has a row per send (`activity_timestamp`) with `was_delivered`,
`was_opened`, `was_clicked`, `was_bounced`, `was_unsubscribed` and the send's
`campaign_type` ("either 'batch' or 'trigger'"), so email counts sends by the month
they were sent; `marketo__leads.created_timestamp`, deleted leads left out."""

_AIRBYTE_REPORTED = 'NOT COALESCE(t."filteredEvent", FALSE)'
_AIRBYTE_PAIR = (
    'distinct:CONCAT(CAST(t."recipient" AS TEXT), \'|\', CAST(t."emailCampaignId" AS TEXT))'
)


# HubSpot's calculated deal properties, typed boolean or string by the source's version
_AIRBYTE_WON = "LOWER(CAST(t.properties_hs_is_closed_won AS TEXT)) = 'true'"
_AIRBYTE_CLOSED = "LOWER(CAST(t.properties_hs_is_closed AS TEXT)) = 'true'"
_AIRBYTE_HOME_AMOUNT = "sum:CAST(t.properties_amount_in_home_currency AS DOUBLE)"


def _airbyte_event(kind: str, aggregate: str = "count", extra: str = "") -> MetricQuery:
    where = f"t.\"type\" = '{kind}' AND {_AIRBYTE_REPORTED}{extra}"
    return MetricQuery("email_events", "created", aggregate, where, epoch_ms=True)


AIRBYTE_HUBSPOT: Mapping[str, MetricQuery] = {
    "emails_sent": _airbyte_event("SENT"),
    "emails_delivered": _airbyte_event("DELIVERED"),
    "unique_opens": _airbyte_event("OPEN", _AIRBYTE_PAIR),
    "unique_clicks": _airbyte_event("CLICK", _AIRBYTE_PAIR),
    "bounces": _airbyte_event("BOUNCE"),
    "spam_complaints": _airbyte_event("SPAMREPORT"),
    "unsubscribes": _airbyte_event(
        "STATUSCHANGE", extra=" AND t.\"portalSubscriptionStatus\" = 'UNSUBSCRIBED'"
    ),
    "leads_new": MetricQuery("contacts", "createdAt", "count", 'NOT COALESCE(t."archived", FALSE)'),
    **{
        metric: MetricQuery(
            "contacts",
            f"properties_hs_lifecyclestage_{stage}_date",
            "count",
            'NOT COALESCE(t."archived", FALSE)',
        )
        for metric, stage in (
            ("mqls", "marketingqualifiedlead"),
            ("sqls", "salesqualifiedlead"),
            ("customers_new", "customer"),
        )
    },
    **{
        metric: MetricQuery(
            "deals",
            "properties_closedate",
            aggregate,
            f'NOT COALESCE(t."archived", FALSE) AND {state}',
        )
        for metric, aggregate, state in (
            ("deals_won", "count", _AIRBYTE_WON),
            ("revenue_won", _AIRBYTE_HOME_AMOUNT, _AIRBYTE_WON),
            ("deals_lost", "count", f"{_AIRBYTE_CLOSED} AND NOT ({_AIRBYTE_WON})"),
            ("deals_won_with_source", "count", f"{_AIRBYTE_WON} AND {_marketing('properties')}"),
            (
                "revenue_attributed",
                _AIRBYTE_HOME_AMOUNT,
                f"{_AIRBYTE_WON} AND {_marketing('properties')}",
            ),
        )
    },
}
"""`airbyte_hubspot`: Airbyte's HubSpot source (schemas/email_events.json, contacts.json):
`email_events` with `type`, `filteredEvent`, `portalSubscriptionStatus`, `recipient`,
`emailCampaignId` and `created` in epoch milliseconds; nested objects (`sentBy`) land as
JSON, which engines read differently, so unique opens and clicks are distinct
(recipient, campaign) pairs with the event in the month (a definition difference);
`contacts.createdAt`, archived contacts left out; MQLs, SQLs and new customers as the
HubSpot connector counts them, contacts whose `hs_lifecyclestage_<stage>_date` property
(flattened as `properties_<name>`) falls in the month; deals (`deals`, archived left out)
by `properties_closedate`, won and closed from HubSpot's calculated properties
`hs_is_closed_won` and `hs_is_closed` (flattened as `properties_<name>`; boolean or the
text "true" as the source's versions type them), revenue the sum of
`properties_amount_in_home_currency` (the company's currency), the closed loop from
`properties_hs_analytics_source`.
Column names keep Airbyte's case."""

LAYOUTS: Mapping[str, Mapping[str, MetricQuery]] = {
    "fivetran_hubspot": FIVETRAN_HUBSPOT,
    "fivetran_dbt_hubspot": FIVETRAN_DBT_HUBSPOT,
    "fivetran_dbt_marketo": FIVETRAN_DBT_MARKETO,
    "airbyte_hubspot": AIRBYTE_HUBSPOT,
}
