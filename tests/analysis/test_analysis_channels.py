"""Channels and closed loop, by hand; the `costs.channels` and `analysis:` config keys; the
report partial of the three business sections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.analysis import AnalysisContext
from auditor.analysis.channels import analyse
from auditor.analysis.lead_scoring import analyse as analyse_leads
from auditor.analysis.planning import analyse as analyse_plan
from auditor.config.loader import load_config
from auditor.connectors.file import FileConnector, FileOptions
from auditor.core.errors import InputError
from auditor.core.models import SourceData
from auditor.core.period import parse_period
from auditor.metrics.calculator import calculate
from tests.analysis.test_analysis_lead_scoring import binormal, leads_from
from tests.helpers import CONFIG, COSTS, q3_data, source

Q3 = parse_period("2026-Q3")
MONTHS = ("2026-07", "2026-08", "2026-09")
# channel -> (leads, customers, revenue_attributed) per month of 2026-Q3
CHANNELS = {
    "Paid Search": [(30, 1, 6000)] * 3,
    "email": [(20, 1, 5000)] * 3,
    "events": [(10, 0, 0), (10, 1, 3000), (10, 0, 0)],
    "unknown": [(0, 0, 1000)] * 3,
}
# The period's spend per channel (costs.channels, per: period)
SPEND = {"paid_search": 9000, "email": 1500, "events": 6000}


def long_csv(folder: Path, channels: dict[str, list[tuple[int, int, int]]] = CHANNELS) -> Path:
    """The channels as a long file, plus monthly deals (2 won, 1 with a known source)."""
    lines = ["month,metric,value,channel"]
    for name, months in channels.items():
        for month, (leads, customers, revenue) in zip(MONTHS, months, strict=True):
            lines += [
                f"{month},leads_new,{leads},{name}",
                f"{month},customers_new,{customers},{name}",
                f"{month},revenue_attributed,{revenue},{name}",
            ]
    for month in MONTHS:
        lines += [f"{month},deals_won,2,", f"{month},deals_won_with_source,1,"]
        lines += [f"{month},revenue_won,10000,", f"{month},website_visitors,800,"]
    (folder / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "data.csv"


def context(
    data: SourceData, spend: dict[str, float] | None = None, margin: float | None = 0.5, **opts
) -> AnalysisContext:
    options: dict[str, Any] = {"channel_costs": SPEND if spend is None else spend, **opts}
    return AnalysisContext(
        data=data,
        period=Q3,
        metrics=calculate(data, Q3, COSTS, None, margin),
        targets={},
        costs=COSTS,
        gross_margin=margin,
        language="en",
        currency="EUR",
        options=options,
    )


def fetched(folder: Path, channels=CHANNELS) -> SourceData:
    long_csv(folder, channels)
    return FileConnector(FileOptions(path="data.csv"), folder).fetch([])


def rows_by_name(section: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["channel"]: r for r in section["channels"]}


def test_channels_by_hand(tmp_path: Path):
    out = analyse(context(fetched(tmp_path)))
    s = out.section
    assert s["status"] == "ok"
    assert s["revenue_metric"] == "revenue_attributed"
    rows = rows_by_name(s)
    paid, email, events = rows["Paid Search"], rows["email"], rows["events"]
    # Paid Search: 90 leads, 3 customers, 18,000 revenue on 9,000 spend
    assert (paid["leads"], paid["customers"], paid["revenue"], paid["spend"]) == (
        90,
        3,
        18000,
        9000,
    )
    assert paid["cost_per_lead"] == 100  # 9,000 / 90
    assert paid["cac"] == 3000  # 9,000 / 3
    assert paid["roas"] == 2  # 18,000 / 9,000
    assert paid["roi"] == pytest.approx(0.0)  # 2 x 0.5 - 1
    # email: 60 leads, 3 customers, 15,000 on 1,500
    assert (email["cost_per_lead"], email["cac"], email["roas"]) == (25, 500, 10)
    assert email["roi"] == pytest.approx(4.0)  # 10 x 0.5 - 1
    # events: 30 leads, 1 customer, 3,000 on 6,000
    assert (events["cost_per_lead"], events["cac"], events["roas"]) == (200, 6000, 0.5)
    assert events["roi"] == pytest.approx(-0.75)
    assert [r["channel"] for r in s["channels"]] == ["email", "Paid Search", "events", "unknown"]
    assert [r["rank"] for r in s["channels"]] == [1, 2, 3, None]
    assert rows["unknown"]["known_source"] is False
    assert "spend" not in rows["unknown"]["missing"]
    assert s["spend_total"] == 16500
    assert s["unmatched_costs"] == []


def test_budget_shift_at_current_rates(tmp_path: Path):
    move = analyse(context(fetched(tmp_path))).section["recommendation"]
    assert (move["from"], move["to"]) == ("events", "email")
    assert move["amount"] == pytest.approx(1200)  # 20% of events' 6,000
    assert move["hypothesis"] is True
    expected = move["expected"]
    # 1,200 x (60/1,500 - 30/6,000) = 1,200 x (0.04 - 0.005) = 42 leads
    assert expected["leads"] == pytest.approx(42)
    # 1,200 x (3/1,500 - 1/6,000) = 2.4 - 0.2 = 2.2 customers
    assert expected["customers"] == pytest.approx(2.2)
    # 1,200 x (10 - 0.5) = 11,400 revenue; x 0.5 margin = 5,700 gross profit
    assert expected["revenue"] == pytest.approx(11400)
    assert expected["gross_profit"] == pytest.approx(5700)


def test_shift_share_is_an_option(tmp_path: Path):
    section = analyse(context(fetched(tmp_path), channels={"shift_share": 0.5})).section
    assert section["recommendation"]["amount"] == pytest.approx(3000)


def test_a_losing_channel_is_a_warning_with_the_shift_as_advice(tmp_path: Path):
    (finding,) = analyse(context(fetched(tmp_path))).findings
    assert finding.rule == "analysis-channel-loss"
    assert (finding.status, finding.weight, finding.score) == ("warn", 0.0, None)
    assert finding.labels == ("analysis",)
    assert finding.value == pytest.approx(-0.75)
    assert "events" in finding.message
    assert "-75%" in finding.message
    assert "Test moving €1,200 from events to email" in finding.recommendation


def test_closed_loop_from_channel_revenue(tmp_path: Path):
    loop = analyse(context(fetched(tmp_path))).section["closed_loop"]
    assert loop["coverage"] == 0.5  # 3 of 6 won deals have a source
    assert (loop["deals_won"], loop["deals_unknown_source"]) == (6, 3)
    # attributed revenue 18,000 + 15,000 + 3,000 + 3,000 (unknown) = 39,000; 3,000 unknown
    assert loop["method"] == "channels"
    assert loop["revenue_unknown"] == pytest.approx(3000)
    assert loop["revenue_unknown_share"] == pytest.approx(3000 / 39000)


def test_no_channel_data_says_so_and_estimates_the_loop():
    section = analyse(context(source(q3_data()))).section
    assert section["status"] == "no_data"
    assert "no data broken down by channel in 2026-Q3" in section["reason"]
    assert section["channels"] == []
    assert section["recommendation"] is None
    loop = section["closed_loop"]
    # 3 of 6 deals with a source; revenue_won 30,000: half of it, if deals are of average size
    assert loop["method"] == "deal_share"
    assert loop["revenue_unknown"] == pytest.approx(15000)
    assert loop["revenue_unknown_share"] == pytest.approx(0.5)


def test_channels_without_spend_are_not_ranked(tmp_path: Path):
    section = analyse(context(fetched(tmp_path), spend={"email": 1500, "tv": 100})).section
    rows = rows_by_name(section)
    assert rows["email"]["rank"] == 1
    assert rows["events"]["rank"] is None
    assert rows["events"]["missing"]["spend"] == "no spend for this channel in costs.channels"
    assert section["recommendation"] is None
    assert section["unmatched_costs"] == ["tv"]


def test_no_margin_keeps_the_ranking_but_not_the_roi(tmp_path: Path):
    section = analyse(context(fetched(tmp_path), margin=None)).section
    rows = rows_by_name(section)
    assert rows["email"]["rank"] == 1
    assert rows["email"]["roi"] is None
    assert "finance.gross_margin" in rows["email"]["missing"]["roi"]
    assert section["recommendation"]["expected"]["gross_profit"] is None


def test_a_channel_measured_in_part_of_the_period_is_undefined_not_understated(tmp_path: Path):
    data = fetched(tmp_path)
    partial = {k: dict(v) for k, v in data.by_channel["events"].items()}
    del partial["2026-08"]["revenue_attributed"]
    by_channel = {**data.by_channel, "events": partial}
    data = SourceData(data.connector, data.label, data.monthly, data.fetched_at, by_channel)
    events = rows_by_name(analyse(context(data)).section)["events"]
    assert events["revenue"] is None
    assert "not measured for this channel in 2026-08" in events["missing"]["revenue"]


# --- config ------------------------------------------------------------------------------


def write_config(folder: Path, extra: str) -> Path:
    long_csv(folder)
    (folder / "audit.yaml").write_text(CONFIG + extra, encoding="utf-8")
    return folder / "audit.yaml"


def test_channel_costs_and_analysis_options_from_the_config(tmp_path: Path):
    config = load_config(
        write_config(
            tmp_path,
            "analysis:\n  lead_scoring: {mql_threshold: 60}\n  channels: {shift_share: 0.3}\n",
        ).parent
        / "audit.yaml"
    )
    assert config.analysis["lead_scoring"] == {"mql_threshold": 60.0}
    assert config.analysis["channels"] == {"shift_share": 0.3}
    text = (
        (tmp_path / "audit.yaml")
        .read_text()
        .replace(
            "overhead: 1000}",
            "overhead: 1000, per: month, channels: {Paid Search: 3000, email: 500}}",
        )
    )
    (tmp_path / "audit.yaml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "audit.yaml")
    assert config.channel_costs == {"Paid Search": 3000, "email": 500}
    options = config.analysis_options(3)  # monthly costs, a quarter
    assert options["channel_costs"] == {"Paid Search": 9000, "email": 1500}
    assert "channels" not in config.costs  # a breakdown: never a cost item of the KPIs


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("analysis: {lead_scoring: {min_leads: 5}}\n", "min_leads"),
        ("analysis: {lead_score: {}}\n", "did you mean 'lead_scoring'"),
        ("analysis: {channels: {shift_share: 2}}\n", "shift_share"),
    ],
)
def test_bad_analysis_options_are_located(tmp_path: Path, extra: str, expected: str):
    with pytest.raises(InputError) as caught:
        load_config(write_config(tmp_path, extra))
    (problem,) = caught.value.problems
    assert problem.line == 9  # the line after CONFIG's 8
    assert expected in str(problem)


def test_two_spellings_of_one_channel_are_refused(tmp_path: Path):
    path = write_config(tmp_path, "")
    text = path.read_text().replace(
        "overhead: 1000}", "overhead: 1000, channels: {Paid Search: 1, paid-search: 2}}"
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="are the same channel"):
        load_config(path)


# --- the report partial ------------------------------------------------------------------


def render(analysis: dict[str, Any], language: str) -> str:
    from auditor.outputs.report import html
    from tests.outputs.test_report import sample

    result = sample()
    result["analysis"] = analysis
    view = html.build_view(result, language)
    template = html.environment().from_string(
        '{% import "partials/analysis_business.html.j2" as business with context %}'
        "{{ business.sections() }}{{ business.methods() }}"
    )
    return template.render(view)


def full_analysis(folder: Path) -> dict[str, Any]:
    scores, won = binormal(0.8, 400, 0.2, seed=1)
    data = fetched(folder)
    leads = tuple(leads_from(scores, won, [s > 0.6 for s in scores]))
    data = SourceData(
        data.connector, data.label, data.monthly, data.fetched_at, data.by_channel, leads=leads
    )
    ctx = context(data)
    ctx = AnalysisContext(**{**ctx.__dict__, "targets": {"revenue_attributed": 100000}})
    return {
        out.key: dict(out.section) for out in (analyse_leads(ctx), analyse_plan(ctx), analyse(ctx))
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_partial_renders_every_section(tmp_path: Path, language: str):
    page = render(full_analysis(tmp_path), language)
    for anchor in ("sec-business", "sec-lead-scoring", "sec-plan", "sec-channels"):
        assert f'id="{anchor}"' in page
    assert page.count("<svg") == 3  # lift, plan and channel charts
    assert page.count('class="data lift-table"') == 1
    assert "Paid Search" in page
    assert ("Hipótesis de reasignación" if language == "es" else "Budget shift hypothesis") in page
    assert "DeLong" in page


def test_the_partial_says_when_data_is_missing():
    analysis = {
        "lead_scoring": {"status": "no_data", "reason": "no lead-level data", "minimum": {}},
        "plan": {
            "status": "incomplete",
            "period": "2026-Q3",
            "inputs": {},
            "missing": [{"input": "marketing_cost", "reason": "costs not set"}],
            "scenarios": [
                {"kind": "budget", "amount": None, "source": "current", "missing": ["x"]}
            ],
        },
        "channels": {"status": "no_data", "reason": "no channel data", "closed_loop": {}},
    }
    page = render(analysis, "en")
    assert "No data: no lead-level data." in page
    assert "Missing marketing_cost: costs not set." in page
    assert "No channel breakdown: no channel data." in page


def test_hostile_channel_names_are_escaped(tmp_path: Path):
    analysis = full_analysis(tmp_path)
    analysis["channels"]["channels"][0]["channel"] = "<script>alert(1)</script>"
    page = render(analysis, "en")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_nothing_renders_without_these_analyses():
    assert render({}, "en").strip() == ""
