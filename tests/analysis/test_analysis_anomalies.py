"""Anomalies (issue 7): a planted month is found, a clean series gives none, CI never fails on them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from auditor.analysis import ANALYSIS_LABEL, anomalies
from auditor.analysis.fit import fit_series
from auditor.analysis.series import Series
from auditor.cli.main import main
from auditor.config.loader import load_config
from auditor.core.resources import demo_dir
from auditor.gating.gate import Gate
from auditor.pipeline.runner import audit
from tests.analysis.test_analysis_trends import SEASON, context_for, data_of, planted
from tests.helpers import source


def _section(months: int, spike: tuple[int, float] | None, seed: int = 11, **kwargs):
    names, values = planted(months, seed=seed, spike=spike, first=_first(months), **kwargs)
    ctx = context_for(data_of("revenue_attributed", names, values), "2026-Q3")
    return names, anomalies.analyse(ctx)


def _first(months: int) -> str:
    """The first month of a history that ends in 2026-09, the audited 2026-Q3's last month."""
    from auditor.core.period import add_months

    return add_months("2026-09", -months + 1)


@pytest.mark.parametrize("months", [24, 36])
def test_a_planted_anomaly_in_the_period_is_found(months):
    _names, output = _section(months, spike=(months - 2, 40.0))  # 2026-08, 20 noise SDs
    entry = output.section["metrics"]["revenue_attributed"]
    assert entry["method"] == "trend_season"
    (found,) = entry["anomalies"]
    assert found["month"] == "2026-08"
    assert found["direction"] == "above"
    assert found["in_period"]
    assert found["robust_z"] > 3.5
    # Two Augusts only: the deep August dip leaves the earlier one further from the trend
    # line, so the data cannot say which is odd; the later one is judged, with low confidence.
    assert found["ambiguous"] == (months == 24)
    assert found["confidence"] == ("low" if months == 24 else "normal")
    low, high = found["interval_95"]
    assert low < found["expected"] < high < found["value"]
    # the expected value is what the planted truth says, the spike aside
    truth = 200 + 2 * (months - 2) + trends_season("2026-08")
    assert found["expected"] == pytest.approx(truth, abs=6)
    (finding,) = output.findings
    assert finding.rule == "analysis-anomaly-revenue_attributed"
    assert (finding.status, finding.weight, finding.score) == ("warn", 0, None)
    assert finding.labels == (ANALYSIS_LABEL,)
    assert finding.category == "value"
    assert finding.value == found["value"]
    assert "in 2026-08" in finding.title
    assert "2026-08" in finding.message
    assert "95% interval" in finding.message


def trends_season(month: str) -> float:
    return float(SEASON[int(month[5:]) - 1])


def test_a_clean_series_gives_none():
    for months in (15, 24, 36):
        season = None if months < 24 else SEASON  # under 24 months the model has no season
        _, output = _section(months, spike=None, seed=11, season=season)
        assert output.section["metrics"]["revenue_attributed"]["anomalies"] == []
        assert output.findings == ()


def test_false_alarms_are_rare_in_seeded_clean_series():
    """About 4% of clean 24-month series set a month aside; 0.6% one of the last 3 months."""
    runs, any_month, in_period = 1000, 0, 0
    for seed in range(runs):
        names, values = planted(24, seed=5000 + seed, sd=3.0)
        fit = fit_series(
            Series("revenue_attributed", "money", "value", "sum", tuple(names), tuple(values))
        )
        left_out = [m for m, keep in zip(fit.months, fit.inlier, strict=True) if not keep]
        any_month += bool(left_out)
        in_period += any(m >= names[-3] for m in left_out)
    assert any_month / runs < 0.06
    assert in_period / runs < 0.015


def test_anomalies_before_the_period_inform_without_a_finding():
    names, output = _section(36, spike=(20, -40.0))
    (found,) = output.section["metrics"]["revenue_attributed"]["anomalies"]
    assert found["month"] == names[20]
    assert found["direction"] == "below"
    assert not found["in_period"]
    assert output.findings == ()


def test_under_a_year_of_history_not_enough_data():
    _names, output = _section(11, spike=(9, 60.0), season=None)
    entry = output.section["metrics"]["revenue_attributed"]
    assert entry == {
        "status": "not_enough_data",
        "metric": "revenue_attributed",
        "months": 11,
        "needed": 12,
        "reason": "11 months measured; judging a month needs 12.",
        "finding": None,
    }
    assert output.findings == ()


def test_a_trend_only_anomaly_has_low_confidence():
    _names, output = _section(15, spike=(13, 40.0), season=None)
    (found,) = output.section["metrics"]["revenue_attributed"]["anomalies"]
    assert found["month"] == "2026-08"
    assert found["confidence"] == "low"
    assert output.findings[0].confidence == "low"
    assert "no seasonal pattern" in output.findings[0].message


def test_small_counts_need_more_than_poisson_noise():
    """9 customers against 5 the April before is noise for a count, not an anomaly."""
    names, values = planted(24, slope=0.0, level=7.0, season=None, sd=0.3, first="2024-10")
    values = np.round(values)
    values[names.index("2026-04")] = 9
    values[names.index("2025-04")] = 5
    output = anomalies.analyse(context_for(data_of("customers_new", names, values), "2026-Q3"))
    assert output.section["metrics"]["customers_new"]["anomalies"] == []


def test_deterministic_output():
    names, values = planted(30, spike=(28, 50.0), first="2024-04")
    ctx = context_for(data_of("leads_new", names, values), "2026-Q3")
    ctx = replace(ctx, options={"anomalies": {"isolation_forest": True}})
    first, second = anomalies.analyse(ctx), anomalies.analyse(ctx)
    assert json.dumps(first.section, sort_keys=True) == json.dumps(second.section, sort_keys=True)
    assert first.findings == second.findings


def test_isolation_forest_is_secondary_and_seeded():
    """A month a little odd in every metric at once, which no single metric flags."""
    from auditor.core.period import add_months

    rng = np.random.default_rng(0)
    monthly = {}
    for i in range(36):
        noise = rng.normal(0, 1, 4)
        monthly[add_months("2023-10", i)] = {
            "leads_new": 300 + i + 10 * noise[0],
            "mqls": 100 + 5 * noise[1],
            "sqls": 40 + 3 * noise[2],
            "revenue_attributed": 30000 + 2000 * noise[3],
        }
    odd = monthly["2026-07"]  # about 3 noise SDs in each metric: under 3.5 on its own
    odd.update(
        leads_new=odd["leads_new"] + 30,
        mqls=odd["mqls"] - 15,
        sqls=odd["sqls"] + 9,
        revenue_attributed=odd["revenue_attributed"] - 6000,
    )
    ctx = context_for(source(monthly), "2026-Q3")
    assert anomalies.analyse(ctx).section["multivariate"] == {"status": "off"}
    on = replace(ctx, options={"anomalies": {"isolation_forest": True, "seed": 7}})
    output = anomalies.analyse(on)
    forest = output.section["multivariate"]
    assert forest["status"] == "ok"
    assert forest["metrics"] == ["leads_new", "mqls", "revenue_attributed", "sqls"]
    top = forest["months"][0]
    assert (top["month"], top["flagged"], top["in_period"]) == ("2026-07", True, True)
    assert output.findings == ()  # secondary: listed, never a finding
    assert all(not m.get("anomalies") for m in output.section["metrics"].values())
    assert forest == anomalies.analyse(on).section["multivariate"]


# -------------------------------------------------------------------- the demo
@pytest.fixture(scope="module")
def demo_result() -> dict:
    return audit(load_config(demo_dir() / "demo.yaml"), Gate("never")).to_json()


def test_demo_finds_the_august_unsubscribe_spike(demo_result):
    section = demo_result["analysis"]["anomalies"]["metrics"]["unsubscribe_rate"]
    (found,) = section["anomalies"]
    assert found["month"] == "2026-08"
    assert found["expected"] < 0.004 < 0.02 < found["value"]
    assert found["robust_z"] > 10
    assert found["compared_with"] == ["2025-08"]
    assert not found["ambiguous"]  # 2025-08 sits on the trend: 2026-08 is the odd one
    finding = next(
        f for f in demo_result["findings"] if f["rule"] == "analysis-anomaly-unsubscribe_rate"
    )
    assert finding["status"] == "warn"
    assert finding["weight"] == 0
    assert finding["labels"] == [ANALYSIS_LABEL]
    assert finding["confidence"] == "normal"
    assert "2026-08" in finding["message"]
    # no other analysis anomaly in the audited quarter of the demo
    rules = [f["rule"] for f in demo_result["findings"] if f["rule"].startswith("analysis-anomaly")]
    assert rules == ["analysis-anomaly-unsubscribe_rate"]
    # and the trend of the unsubscribe rate leaves the blast out of the forecast
    trend = demo_result["analysis"]["trends"]["metrics"]["unsubscribe_rate"]
    assert trend["left_out"] == ["2026-08"]
    assert trend["forecast"]["quarter"]["interval_95"][1] < 0.004


def test_demo_target_is_realistic_so_only_the_section_speaks(demo_result):
    """demo.yaml asks for 24 new customers in 2026-Q4; 2024-Q4 gave 20 and 2025-Q4 gave 23."""
    entry = demo_result["analysis"]["trends"]["targets"]["customers_new"]
    assert entry["period"] == "2026-Q4"
    assert entry["status"] == "in_line"
    assert entry["finding"] is None
    low, high = entry["interval_95"]
    assert low < 24 < high
    assert not any(f["rule"].startswith("analysis-target") for f in demo_result["findings"])
    history = demo_result["analysis"]["trends"]["metrics"]["customers_new"]["same_quarter_before"]
    assert history == [{"label": "2024-Q4", "value": 20.0}, {"label": "2025-Q4", "value": 23.0}]


def test_demo_with_an_unrealistic_target():
    config = load_config(demo_dir() / "demo.yaml")
    config = replace(config, targets={"customers_new": 100})
    result = audit(config, Gate("never")).to_json()
    (finding,) = [f for f in result["findings"] if f["rule"] == "analysis-target-customers_new"]
    assert finding["status"] == "warn"
    assert finding["category"] == "efficiency"
    assert "no es realista" in finding["message"]  # the demo is in Spanish
    assert "20 en 2024-Q4 y 23 en 2025-Q4" in finding["message"]


def test_analysis_findings_never_change_the_exit_code(tmp_path: Path):
    """--fail-on warn on a config whose only warnings are analysis ones exits 0."""
    shutil.copy(demo_dir() / "data.csv", tmp_path / "data.csv")
    shutil.copy(demo_dir() / "leads.csv", tmp_path / "leads.csv")
    raw = yaml.safe_load((demo_dir() / "demo.yaml").read_text(encoding="utf-8"))
    plain = audit(load_config(demo_dir() / "demo.yaml"), Gate("never")).to_json()
    noisy = sorted(
        f["rule"]
        for f in plain["findings"]
        if f["status"] in ("warn", "fail") and ANALYSIS_LABEL not in f["labels"]
    )
    raw["rules"]["overrides"] = {rule: {"enabled": False} for rule in noisy}
    raw["targets"] = {"leads_new": 5000}
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["check", str(tmp_path / "audit.yaml"), "--format", "json", "--fail-on", "warn"],
        catch_exceptions=False,
    )
    data = json.loads(result.stdout)
    warned = {f["rule"] for f in data["findings"] if f["status"] in ("warn", "fail")}
    assert warned == {
        "analysis-anomaly-unsubscribe_rate",
        "analysis-target-leads_new",
        "analysis-mql-threshold",  # the demo's leads file: the MQL threshold is too low
    }
    assert result.exit_code == 0, data["exit_reason"]
    # the same config with one rule warning left on does fail the gate
    raw["rules"]["overrides"].pop(noisy[0])
    (tmp_path / "audit.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    again = CliRunner().invoke(
        main, ["check", str(tmp_path / "audit.yaml"), "--format", "json", "--fail-on", "warn"]
    )
    assert again.exit_code == 1


def test_scikit_learn_is_not_imported_by_default():
    """Trends and anomalies use numpy only: scikit-learn's import would double an audit's time."""
    code = (
        "import csv, sys\n"
        "from auditor.analysis import AnalysisContext, anomalies, trends\n"
        "from auditor.metrics.calculator import calculate\n"
        "from auditor.core.models import SourceData\n"
        "from auditor.core.period import parse_period\n"
        "from auditor.core.resources import demo_dir\n"
        "rows = list(csv.DictReader(open(demo_dir() / 'data.csv', encoding='utf-8')))\n"
        "monthly = {r.pop('month'): {k: float(v) for k, v in r.items()} for r in rows}\n"
        "data = SourceData('file', 'data.csv', monthly, '2026-10-01T00:00:00Z')\n"
        "period = parse_period('2026-Q3')\n"
        "ctx = AnalysisContext(data, period, calculate(data, period, None, None, None),\n"
        "    {'customers_new': 24}, {}, None, 'en', 'EUR')\n"
        "trends.analyse(ctx)\n"
        "assert anomalies.analyse(ctx).findings\n"
        "print('sklearn' in sys.modules, 'scipy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
