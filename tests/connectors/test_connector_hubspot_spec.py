"""Issue 11, HubSpot: the numbers a real portal gives, read against HubSpot's specification.

Every payload here has the shape of HubSpot's public OpenAPI collection
(HubSpot/HubSpot-public-api-spec-collection) and reference pages:

- `GET /account-info/v3/details` (PublicApiSpecs/Account/Account Info/.../v3/
  accountInfo.json, `PortalInformationResponse`): `companyCurrency` ("The
  primary currency used by the company") and `additionalCurrencies`.
- deals: CRM property values are strings; `amount` is in the deal's currency
  (`deal_currency_code`), `amount_in_home_currency` in the company currency.
- `GET /automation/v4/flows` (Automation V4 .../v4/automationV4.json,
  `ApiFlowListing`): `objectTypeId` is required, "the ID of the object type
  associated with the automation flow" (0-1 contacts, 0-2 companies, 0-3
  deals, 0-5 tickets: developers.hubspot.com object definitions).
- `aggregate.counters` of the email statistics: `bounce` is documented with
  the same words as `hardbounced`; `softbounced` is separate
  (developers.hubspot.com/docs/methods/cms_email/get-the-statistics-for-a-marketing-email).

Each test fails on the connector as it was before issue 11.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from auditor.config.loader import load_config
from auditor.connectors.hubspot import HubSpotConnector
from auditor.connectors.snapshot import snapshot_from_json, snapshot_to_json
from auditor.core.errors import EXIT_BAD_INPUT, InputError
from auditor.core.models import SourceData
from auditor.pipeline.currency import reconcile_currency
from auditor.pipeline.runner import audit
from tests.connectors.test_connector_hubspot import (
    TOKEN,
    FakeHubSpot,
    FakeTime,
    calls,
    make,
    served,
)
from tests.helpers.hostile import assert_clean_failure, hostile_run

JULY = ["2026-07"]


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[responses.RequestsMock]:
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


def won(fake: FakeHubSpot, closed: str, **props: str) -> None:
    """A won deal whose properties are exactly `props` (strings, as HubSpot sends them)."""
    fake.deal(closed, won=True, source="ORGANIC_SEARCH")
    stored = fake.deals[-1]["properties"]
    stored.pop("amount")
    stored.update(props)


# --- revenue: one currency, the company's ----------------------------------------------


def test_revenue_is_the_company_currency_amount_never_two_currencies_added(api, clock):
    fake = served(api, FakeHubSpot())  # companyCurrency EUR, additionalCurrencies [USD]
    won(fake, "2026-07-03T00:00:00Z", amount="1000", amount_in_home_currency="1000",
        deal_currency_code="EUR")  # fmt: skip
    won(fake, "2026-07-04T00:00:00Z", amount="1000", amount_in_home_currency="920.5",
        deal_currency_code="USD")  # fmt: skip
    won(fake, "2026-07-05T00:00:00Z", amount="300", deal_currency_code="EUR")  # no home amount
    data = make(clock, analytics=False).fetch(JULY)
    july = data.monthly["2026-07"]
    assert july["revenue_won"] == 2220.5  # 1000 EUR + 920.5 EUR (1000 USD) + 300 EUR
    assert july["revenue_attributed"] == 2220.5
    assert july["deals_won"] == 3
    assert data.currency == "EUR"
    body = json.loads(calls(api, "/deals/search")[0].body)
    assert {"amount_in_home_currency", "amount", "deal_currency_code"} <= set(body["properties"])
    money = data.provenance["currency"]
    assert money["company"] == "EUR"
    assert money["additional"] == ["USD"]
    assert money["money_in"] == "EUR"
    assert money["won_deals_amount_used_for_home_amount"] == 1


def test_a_won_deal_in_another_currency_without_a_home_amount_makes_revenue_not_measured(
    api, clock
):
    fake = served(api, FakeHubSpot())
    won(fake, "2026-07-03T00:00:00Z", amount="1000", amount_in_home_currency="1000",
        deal_currency_code="EUR")  # fmt: skip
    won(fake, "2026-07-04T00:00:00Z", amount="5000", deal_currency_code="USD")
    data = make(clock, analytics=False).fetch(JULY)
    july = data.monthly["2026-07"]
    assert "revenue_won" not in july
    assert "revenue_attributed" not in july
    assert july["deals_won"] == 2  # the deals still count
    reason = data.not_measured["revenue_won"]
    assert "1 in USD" in reason
    assert "company currency is EUR" in reason
    assert "never added" in reason
    assert data.not_measured["revenue_attributed"] == reason
    assert data.currency is None  # no money delivered, so none to check against
    assert data.provenance["currency"]["won_deals_in_other_currencies"] == {"USD": 1}


def test_amount_property_amount_refuses_deals_in_their_own_foreign_currency(api, clock):
    fake = served(api, FakeHubSpot())
    won(fake, "2026-07-03T00:00:00Z", amount="1000", amount_in_home_currency="1000",
        deal_currency_code="EUR")  # fmt: skip
    won(fake, "2026-07-04T00:00:00Z", amount="1000", amount_in_home_currency="920",
        deal_currency_code="USD")  # fmt: skip
    data = make(clock, analytics=False, amount_property="amount").fetch(JULY)
    assert "revenue_won" not in data.monthly["2026-07"]
    reason = data.not_measured["revenue_won"]
    assert "each deal's own currency" in reason
    assert "use amount_property: amount_in_home_currency" in reason


def test_without_account_details_no_currency_is_stated_and_coded_deals_are_not_added(api, clock):
    fake = served(api, FakeHubSpot())
    fake.missing.add("/account-info/")
    won(fake, "2026-07-03T00:00:00Z", amount="700")  # no currency code: the default currency
    data = make(clock, analytics=False).fetch(JULY)
    assert data.monthly["2026-07"]["revenue_won"] == 700
    assert data.currency is None  # unknown: the runner cannot check costs.currency
    won(fake, "2026-07-04T00:00:00Z", amount="1000", deal_currency_code="USD")
    api.reset()
    served(api, fake)
    data = make(FakeTime(), analytics=False).fetch(JULY)
    assert "revenue_won" not in data.monthly["2026-07"]
    assert "unknown" in data.not_measured["revenue_won"]


# --- workflows: contact and company flows only --------------------------------------------


def _flow(flow_id: str, object_type: str | None) -> dict[str, Any]:
    flow: dict[str, Any] = {
        "id": flow_id,
        "name": f"flow {flow_id}",
        "isEnabled": True,
        "flowType": "WORKFLOW",
        "revisionId": "3",
        "createdAt": "2025-01-01T00:00:00Z",
        "updatedAt": "2026-01-01T00:00:00Z",
        "type": "CONTACT_FLOW" if object_type == "0-1" else "PLATFORM_FLOW",
        "enrollmentCriteria": {"type": "EVENT_BASED", "shouldReEnroll": False,
                               "eventFilterBranches": [], "listMembershipFilterBranches": []},
    }  # fmt: skip
    if object_type is not None:
        flow["objectTypeId"] = object_type
    return flow


def test_only_contact_and_company_flows_count_as_marketing_workflows(api, clock):
    fake = served(api, FakeHubSpot())
    fake.flow_page_size = 100
    fake.flows = [
        _flow("1", "0-1"),
        _flow("2", "0-2"),
        _flow("3", "0-3"),
        _flow("4", "0-5"),
        _flow("5", "2-7654321"),
        _flow("6", None),
    ]
    data = make(clock, analytics=False).fetch(JULY)
    assert data.monthly["2026-07"]["workflows_active"] == 2
    assert data.monthly["2026-07"]["workflows_behavioral"] == 2
    workflows = data.provenance["workflows"]
    assert workflows["enabled_other_objects"] == {
        "an unknown object (no objectTypeId)": 1,
        "custom objects (2-7654321)": 1,
        "deals (0-3)": 1,
        "tickets (0-5)": 1,
    }
    rows = {r["id"]: r for r in workflows["flows"]}
    assert rows["3"]["why"] == (
        "enrolls deals (0-3), not contacts or companies: not marketing automation"
    )
    assert rows["1"]["objectTypeId"] == "0-1"
    assert rows["1"]["counted"] is True
    (batch,) = calls(api, "/flows/batch/read")
    assert [i["flowId"] for i in json.loads(batch.body)["inputs"]] == ["1", "2"]
    assert "(0-2)" in data.provenance["definitions"]["workflows_active"]


# --- bounces: hard + soft -------------------------------------------------------------------


def test_bounces_are_hard_plus_soft_not_the_bounce_counter(api, clock):
    fake = served(api, FakeHubSpot())
    # FakeHubSpot answers `bounce` = `hardbounced`, as HubSpot documents it
    fake.send(7, "2026-07-10T09:00:00Z", sent=1000, delivered=980, open=300, click=50,
              hardbounced=12, softbounced=8)  # fmt: skip
    data = make(clock, analytics=False).fetch(JULY)
    assert data.monthly["2026-07"]["bounces"] == 20
    assert data.provenance["definitions"]["bounces"].startswith("hardbounced + softbounced")


def test_without_a_softbounced_counter_the_provenance_says_hard_bounces_only(api, clock):
    fake = served(api, FakeHubSpot())
    body = {
        "aggregate": {"counters": {"sent": 500, "delivered": 490, "bounce": 10},
                      "deviceBreakdown": {}, "qualifierStats": {}, "ratios": {}},
        "campaignAggregations": {},
        "emails": [7],
    }  # fmt: skip
    fake.failures["GET /marketing/v3/emails/statistics/list"].append((200, {}, body))
    data = make(clock, analytics=False).fetch(JULY)
    assert data.monthly["2026-07"]["bounces"] == 10
    assert (
        "no softbounced counter in 2026-07: hard bounces only there"
        in (data.provenance["definitions"]["bounces"])
    )


# --- not measured: true reasons -------------------------------------------------------------


def test_not_measured_reasons_are_true_to_the_spec():
    reasons = HubSpotConnector.not_measured
    # HubSpot has commerce subscriptions (CRM - Commerce Subscriptions v3) in portals that
    # collect payments through HubSpot payments or Stripe: "no subscription revenue" was false.
    for metric in ("mrr", "mrr_churned", "accounts_active", "accounts_churned"):
        assert "/crm/v3/objects/subscriptions" in reasons[metric]
        assert "HubSpot payments or Stripe" in reasons[metric]
    assert "commerce payments" in reasons["revenue_total"]


def test_a_refused_email_section_names_both_documented_scopes(api, clock):
    fake = served(api, FakeHubSpot())
    fake.send(7, "2026-07-10T09:00:00Z", sent=10, delivered=10)
    fake.refuse.add("/marketing/")
    data = make(clock, analytics=False).fetch(JULY)
    # the statistics endpoint accepts 'marketing.email.read' as well as 'content'
    assert "'content' or 'marketing.email.read' scope" in data.not_measured["emails_sent"]


# --- costs.currency against the portal's --------------------------------------------------


def _config(folder: Path, costs: str) -> Path:
    path = folder / "audit.yaml"
    path.write_text(
        "client: Currency Test\nperiod: 2026-07\nlanguage: en\ntimezone: UTC\n"
        "source:\n  connector: hubspot\n  base_url: http://hubspot.test\n"
        f"{costs}finance: {{gross_margin: 0.5}}\n",
        encoding="utf-8",
    )
    return path


MONTHS = [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in range(1, 8)]


def _data(currency: str | None) -> SourceData:
    row = {"emails_sent": 1000.0, "emails_delivered": 980.0, "unique_opens": 300.0,
           "deals_won": 4.0, "deals_lost": 2.0, "revenue_won": 40000.0}  # fmt: skip
    return SourceData(
        connector="hubspot",
        label="HubSpot portal 99887766",
        monthly={m: dict(row) for m in MONTHS},
        fetched_at="2026-08-01T00:00:00Z",
        currency=currency,
    )


def test_costs_currency_must_be_the_portal_currency(tmp_path):
    explicit = load_config(_config(tmp_path, "costs: {currency: EUR, platform: 3000}\n"))
    with pytest.raises(InputError) as caught:
        reconcile_currency(explicit, _data("USD"))
    assert caught.value.exit_code == EXIT_BAD_INPUT
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{tmp_path / 'audit.yaml'}:8:19: costs.currency: is EUR, ")
    assert "HubSpot portal 99887766 states its money (revenue_won) in USD" in problem.message
    assert "costs.currency: USD" in problem.message
    # the same currency, or a source that states none: nothing to reconcile
    assert reconcile_currency(explicit, _data("EUR")) == (explicit, [])
    assert reconcile_currency(explicit, _data(None)) == (explicit, [])


def test_an_unwritten_costs_currency_takes_the_portal_currency_with_a_warning(tmp_path):
    config = load_config(_config(tmp_path, "costs: {platform: 3000}\n"))
    assert (config.currency, config.currency_set) == ("EUR", False)
    result = audit(config, data=_data("USD"))
    assert result.config["currency"] == "USD"
    assert result.source["currency"] == "USD"
    (warning,) = [w for w in result.warnings if "costs.currency" in w]
    assert "the audit's money is in USD, the currency of HubSpot portal 99887766" in warning
    assert "the costs in the config are read as USD" in warning


def test_a_snapshot_keeps_the_currency_and_refuses_a_bad_one():
    document = snapshot_to_json(_data("USD"))
    assert document["currency"] == "USD"
    assert snapshot_from_json(document, "s.json").currency == "USD"
    with pytest.raises(InputError, match="currency must be an ISO 4217 code"):
        snapshot_from_json({**document, "currency": "dollars" * 50}, "s.json")


def test_a_mismatch_ends_the_run_with_exit_2_and_no_report(tmp_path):
    config = _config(tmp_path, "costs:\n  currency: EUR\n  platform: 3000\n")
    snapshot = tmp_path / "data.snapshot.json"
    document = {"kind": "auditor-snapshot", "schema_version": 1, "connector": "hubspot",
                "label": "HubSpot portal 99887766", "fetched_at": "2026-08-01T00:00:00Z",
                "monthly": {m: {"emails_sent": 1000, "deals_won": 4, "deals_lost": 2,
                                "revenue_won": 40000} for m in MONTHS},
                "currency": "USD"}  # fmt: skip
    snapshot.write_text(json.dumps(document), encoding="utf-8")
    out = tmp_path / "out"
    outcome = hostile_run(
        "run", str(config), "--from-snapshot", str(snapshot), "-o", str(out), out_dir=out
    )
    assert_clean_failure(outcome, 2)
    assert f"{config}:9:13: costs.currency: is EUR, but HubSpot portal" in outcome.stderr
    assert "in USD" in outcome.stderr


def test_the_plan_command_holds_the_same_currency_rule(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from auditor.cli.main import main

    monkeypatch.setattr(HubSpotConnector, "fetch", lambda self, months: _data("USD"))
    explicit = _config(tmp_path, "costs: {currency: EUR, platform: 3000}\n")
    args = ["plan", str(explicit), "--target-revenue", "100000", "--format", "json"]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 2
    assert "costs.currency: is EUR, but HubSpot portal 99887766" in refused.stderr
    unwritten = _config(tmp_path, "costs: {platform: 3000}\n")
    planned = CliRunner().invoke(main, ["plan", str(unwritten), *args[2:]])
    assert "warning: costs.currency is not set: the audit's money is in USD" in planned.stderr
    assert json.loads(planned.stdout)["currency"] == "USD"
