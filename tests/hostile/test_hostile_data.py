"""Issue 10, the data side: numbers that cannot be true, the data and leads file readers, quoting.

Each test states the hostile or careless input and what the user must see:
a clear message (exit 2) or an undefined KPI with its reason, never a leaked
environment, a hung run, or a 428 % click rate judged as if it were real.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from auditor.analysis.channels import closed_loop
from auditor.config.loader import load_config
from auditor.connectors.file import FileConnector, FileOptions
from auditor.connectors.file import totals as file_totals
from auditor.connectors.filelimits import (
    MAX_CHANNELS,
    MAX_DATA_FILE_BYTES,
    MAX_LEADS_FILE_BYTES,
    MAX_RECORDS_FILE_BYTES,
)
from auditor.core.errors import InputError, Problem, quote
from auditor.core.models import SourceData
from auditor.core.period import parse_period
from auditor.metrics.calculator import add_derived, calculate
from auditor.metrics.consistency import consistency_warnings, suspect_metrics
from auditor.metrics.expression import Formula
from auditor.pipeline.runner import audit
from tests.helpers import CONFIG, COSTS, q3_data, source, write_wide_csv
from tests.helpers.hostile import (
    PLANTED_SECRET,
    Outcome,
    assert_clean_failure,
    assert_no_secret,
    hostile_run,
)

Q3 = parse_period("2026-Q3")
QUICK = 60  # seconds: every run here takes a few; the old code hung on some of these inputs


def fetch(folder: Path, name: str, **options: Any) -> SourceData:
    return FileConnector(FileOptions(path=name, **options), folder).fetch([])


def problems(folder: Path, name: str, **options: Any) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        fetch(folder, name, **options)
    return caught.value.problems


def check(folder: Path, config: Path, *args: str) -> Outcome:
    """`auditor check CONFIG ARGS` in a real process; its output folder is `folder/out`."""
    return hostile_run(
        "check", str(config), *args, cwd=folder, out_dir=folder / "out", timeout=QUICK
    )


def config_with(folder: Path, source_lines: str, extra: str = "") -> Path:
    """An audit config whose `source:` block is `source_lines` (indented by two spaces)."""
    head, _, tail = CONFIG.partition("source:\n")
    rest = tail.split("\n", 2)[2]  # drop the default connector and path lines
    path = folder / "audit.yaml"
    path.write_text(f"{head}source:\n{source_lines}{rest}{extra}", encoding="utf-8")
    return path


# --- one quoting function -----------------------------------------------------------------


def test_quote_truncates_long_content_with_an_ellipsis() -> None:
    assert quote("a" * 40) == "'" + "a" * 40 + "'"
    assert quote("a" * 41) == "'" + "a" * 40 + "...'"
    assert quote("abcdef", limit=3) == "'abc...'"
    assert len(quote("x" * 10_000_000)) == 45  # the quotes, 40 characters, '...'


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred", "'\\x1b[31mred'"),  # ANSI colour: the escape character is escaped
        ("\x9b31m", "'\\x9b31m'"),  # the one-byte C1 form of the same sequence
        ("a\u202eb", "'a\\u202eb'"),  # right-to-left override
        ("a\u2066b\u2069", "'a\\u2066b\\u2069'"),  # isolates
        ("a\nb\rc\x00", "'a\\nb\\rc\\x00'"),
        ("año ñ", "'año ñ'"),  # printable text is left alone
    ],
)
def test_quote_escapes_what_a_terminal_would_act_on(raw: str, shown: str) -> None:
    assert quote(raw) == shown


def test_quote_never_cuts_an_escape_in_half() -> None:
    assert quote("a" * 38 + "\x1b") == "'" + "a" * 38 + "...'"


def test_unknown_header_is_quoted_truncated_and_escaped(tmp_path: Path) -> None:
    header = "\x1b]0;pwned\x07\u202e" + "z" * 500
    (tmp_path / "d.csv").write_text(f"month,{header}\n2026-07,1\n", encoding="utf-8")
    (found,) = problems(tmp_path, "d.csv")
    assert found.message.startswith("unknown column '\\x1b]0;pwned\\x07\\u202ezzz")
    assert "\x1b" not in found.message
    assert "\u202e" not in found.message
    assert "z" * 41 not in found.message


def test_channel_names_in_messages_are_quoted(tmp_path: Path) -> None:
    channel = "eu\x1b[2J" + "c" * 100
    (tmp_path / "d.csv").write_text(
        "month,metric,value,channel\n"
        f"2026-07,accounts_active,9,{channel}\n2026-07,accounts_active,8,{channel}\n",
        encoding="utf-8",
    )
    (found,) = problems(tmp_path, "d.csv")
    assert "(channel 'eu\\x1b[2J" in found.message
    assert "\x1b" not in found.message
    assert "c" * 41 not in found.message


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("d.json", '[{{"month": "2026-07", {key}: 1, {key}: 2}}]'),
        ("d.yaml", "- month: 2026-07\n  {key}: 1\n  {key}: 2\n"),
    ],
)
def test_duplicate_keys_in_json_and_yaml_are_quoted(tmp_path: Path, name: str, text: str) -> None:
    key = json.dumps("k\x1b" + "q" * 100)  # the escape written as \u001b: valid JSON and YAML
    (tmp_path / name).write_text(text.format(key=key), encoding="utf-8")
    (found,) = problems(tmp_path, name)
    assert found.message.startswith("duplicate key 'k")
    assert found.message.endswith("...' in a record")
    assert "\x1b" not in str(found)
    assert "q" * 41 not in str(found)


def test_a_copy_of_the_environment_as_data_never_prints_a_secret(tmp_path: Path) -> None:
    # What /proc/self/environ would give as a header line, copied into a regular file.
    header = f"month,HOME=/root,AUDITOR_TEST_PLANTED_SECRET={PLANTED_SECRET}"
    (tmp_path / "env.csv").write_text(f"{header}\n2026-07,1,2\n", encoding="utf-8")
    config = config_with(tmp_path, "  connector: file\n  path: env.csv\n")
    outcome = check(tmp_path, config)
    assert_clean_failure(outcome)
    assert "env.csv:1:3: unknown column 'AUDITOR_TEST_PLANTED_SECRET=pk_live_0f9a" in outcome.stderr


# --- regular files only, bounded ------------------------------------------------------------


def test_proc_self_environ_as_data_is_refused_without_printing_it(tmp_path: Path) -> None:
    config = config_with(tmp_path, "  connector: file\n  path: /proc/self/environ\n  format: csv\n")
    outcome = check(tmp_path, config)
    assert_clean_failure(outcome)
    assert "/proc/self/environ: its content does not match its size" in outcome.stderr
    assert "AUDITOR_TEST_PLANTED_SECRET" not in outcome.output


def test_dev_zero_as_data_is_refused_at_once(tmp_path: Path) -> None:
    config = config_with(tmp_path, "  connector: file\n  path: /dev/zero\n  format: csv\n")
    outcome = check(tmp_path, config)
    assert_clean_failure(outcome)
    assert "/dev/zero: is not a regular file (a device, pipe or socket)" in outcome.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_as_data_or_leads_file_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "data.csv")
    os.mkfifo(tmp_path / "leads.csv")
    config = config_with(tmp_path, "  connector: file\n  path: data.csv\n  leads: leads.csv\n")
    outcome = check(tmp_path, config)
    assert_clean_failure(outcome)
    assert "data.csv: is not a regular file" in outcome.stderr
    assert "leads.csv: is not a regular file" in outcome.stderr


def test_data_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    with (tmp_path / "big.csv").open("wb") as handle:
        handle.truncate(MAX_DATA_FILE_BYTES + 1)  # sparse: costs no disk and no time
    (found,) = problems(tmp_path, "big.csv")
    assert found.message == (
        "the file is too large for a CSV data file: the limit is 100 MiB and this file is "
        f"just over that ({MAX_DATA_FILE_BYTES + 1:,} bytes); monthly figures rarely need "
        "more: add rows up by month, or keep fewer months"
    )


def test_json_data_has_a_smaller_size_limit(tmp_path: Path) -> None:
    with (tmp_path / "big.json").open("wb") as handle:
        handle.truncate(MAX_RECORDS_FILE_BYTES + 1)
    (found,) = problems(tmp_path, "big.json")
    assert "too large for a JSON or YAML data file: the limit is 2 MiB" in found.message


def test_leads_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    write_wide_csv(tmp_path / "data.csv", q3_data())
    with (tmp_path / "leads.csv").open("wb") as handle:
        handle.truncate(MAX_LEADS_FILE_BYTES + 1)
    found = problems(tmp_path, "data.csv", leads="leads.csv")
    assert [str(p) for p in found] == [
        "leads.csv: the file is too large for the leads CSV file: the limit is 100 MiB and this "
        f"file is just over that ({MAX_LEADS_FILE_BYTES + 1:,} bytes); keep the leads of the "
        "last two years, or those with a known outcome"
    ]


def test_rows_past_the_limit_stop_reading(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(file_totals, "MAX_DATA_ROWS", 3)
    rows = "".join(f"2026-0{m},1\n" for m in range(1, 6))
    (tmp_path / "d.csv").write_text("month,mqls\n" + rows, encoding="utf-8")
    found = problems(tmp_path, "d.csv")
    assert [str(p) for p in found] == [
        "d.csv:5: more than 3 data rows; the limit is 3 (monthly figures rarely need more: "
        "add rows up by month, or keep fewer months)"
    ]


def test_leads_rows_past_the_limit_stop_reading(tmp_path: Path, monkeypatch) -> None:
    from auditor.connectors import leads

    monkeypatch.setattr(leads, "MAX_LEADS_ROWS", 2)
    write_wide_csv(tmp_path / "data.csv", q3_data())
    (tmp_path / "leads.csv").write_text(
        "lead_id,created,score,mql,became_customer\n"
        + "".join(f"L{i},2026-07-01,{i},1,0\n" for i in range(3)),
        encoding="utf-8",
    )
    found = problems(tmp_path, "data.csv", leads="leads.csv")
    assert [str(p) for p in found] == [
        "leads.csv:4: more than 2 leads; the limit is 2 (keep the leads of the last two "
        "years, or those with a known outcome)"
    ]


def test_channel_past_the_limit_is_refused_naming_it(tmp_path: Path) -> None:
    rows = "".join(f"2026-07,leads_new,1,ch{i:04d}\n" for i in range(MAX_CHANNELS + 50))
    (tmp_path / "d.csv").write_text("month,metric,value,channel\n" + rows, encoding="utf-8")
    found = problems(tmp_path, "d.csv")
    assert [str(p) for p in found] == [
        f"d.csv:{MAX_CHANNELS + 2}:4: channel 'ch0200' is channel 201; the limit is 200 "
        "channels (the report has a row for each): group the small ones, e.g. as 'other'"
    ]


def test_five_thousand_channels_are_refused_quickly(tmp_path: Path) -> None:
    """The issue's 50 MB file: 112 s and 1.5 GB before; now refused after 201 channels."""
    lines = ["month,metric,value,channel"]
    for channel in range(5000):
        lines += [f"2026-0{m},leads_new,{m},c{channel}" for m in range(1, 10)]
    (tmp_path / "wide.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = config_with(tmp_path, "  connector: file\n  path: wide.csv\n")
    outcome = check(tmp_path, config)
    assert_clean_failure(outcome)
    assert "channel 'c200' is channel 201; the limit is 200 channels" in outcome.stderr


# --- a wide month given twice ---------------------------------------------------------------


def test_a_wide_month_pasted_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    write_wide_csv(tmp_path / "data.csv", q3_data())
    lines = (tmp_path / "data.csv").read_text(encoding="utf-8").splitlines()
    august = next(i for i, line in enumerate(lines) if line.startswith("2026-08"))
    lines.append(lines[august])
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = check(tmp_path, config_with(tmp_path, "  connector: file\n  path: data.csv\n"))
    assert_clean_failure(outcome)
    assert (
        f"data.csv:{len(lines)}:1: month 2026-08 is already given on line {august + 1}: its "
        "figures would add up twice" in outcome.stderr
    )


def test_a_repeated_record_in_json_is_refused(tmp_path: Path) -> None:
    record = {"month": "2026-07", "mqls": 3}
    (tmp_path / "d.json").write_text(json.dumps([record, record]), encoding="utf-8")
    (found,) = problems(tmp_path, "d.json")
    assert found.message.startswith("month 2026-07 is already given on line 1")


def test_rows_told_apart_by_channel_campaign_or_day_still_add_up(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text(
        "month,channel,campaign,emails_sent\n"
        "2026-07,email,spring,100\n"
        "2026-07,email,summer,200\n"
        "2026-07,sms,spring,10\n"
        "2026-08-01,email,spring,1\n"
        "2026-08-02,email,spring,2\n",
        encoding="utf-8",
    )
    data = fetch(tmp_path, "d.csv")
    assert data.monthly == {"2026-07": {"emails_sent": 310.0}, "2026-08": {"emails_sent": 3.0}}
    (tmp_path / "e.csv").write_text(
        "month,channel,campaign,emails_sent\n2026-07,email,spring,100\n2026-07,email,spring,100\n",
        encoding="utf-8",
    )
    (found,) = problems(tmp_path, "e.csv")
    assert found.message.startswith(
        "month 2026-07 for channel 'email' and campaign 'spring' is already given on line 2"
    )


# --- numbers that cannot be true ------------------------------------------------------------


def inconsistent_q3(**august: float) -> dict[str, dict[str, float]]:
    data = q3_data()
    data["2026-08"].update(august)
    return data


def test_clicks_above_deliveries_make_the_rates_that_read_them_undefined() -> None:
    metrics = calculate(
        source(inconsistent_q3(unique_clicks=5120, emails_delivered=1196)), Q3, COSTS, None, 0.5
    )
    reason = (
        "unique_clicks (5,120) exceed emails_delivered (1,196) in 2026-08: the data is inconsistent"
    )
    for kpi in ("click_rate", "click_to_open_rate", "open_rate", "unsubscribe_rate"):
        assert metrics.value(kpi) is None, kpi
        assert metrics.values[kpi].reason == reason
    assert metrics.value("bounce_rate") is not None  # reads neither
    assert metrics.value("unique_clicks") == 50 + 5120 + 50  # the data itself is kept


def test_bounces_above_sends_and_delivered_above_sent_name_every_month() -> None:
    data = q3_data()
    for month, sent in (("2026-07", 100), ("2026-08", 200)):
        data[month].update(emails_sent=sent, bounces=466)
    metrics = calculate(source(data), Q3, COSTS, None, 0.5)
    assert metrics.values["bounce_rate"].reason == (
        "bounces exceed emails_sent in 2026-07 (466 > 100), 2026-08 (466 > 200): the data "
        "is inconsistent; emails_delivered exceed emails_sent in 2026-07 (990 > 100), "
        "2026-08 (1,980 > 200): the data is inconsistent"
    )


def test_without_delivered_the_sends_are_the_whole() -> None:
    data = inconsistent_q3(unique_opens=2500)
    del data["2026-08"]["emails_delivered"]
    assert suspect_metrics(data, ["2026-08"])["unique_opens"] == (
        "unique_opens (2,500) exceed emails_sent (2,000) in 2026-08 (emails_delivered not "
        "measured): the data is inconsistent",
    )


def test_only_relations_true_by_definition_are_checked() -> None:
    # Clicks above opens (images blocked), MQLs above the month's new leads, SQLs above
    # MQLs, customers above leads: all happen in honest data.
    data = q3_data()
    for month in Q3.months:
        data[month].update(unique_clicks=299, unique_opens=10, mqls=90, sqls=95, customers_new=99)
    assert consistency_warnings(data) == []
    metrics = calculate(source(data), Q3, COSTS, None, 0.5)
    assert metrics.value("click_to_open_rate") > 1
    assert metrics.value("mql_rate") > 1


def test_a_share_above_one_is_undefined_not_judged() -> None:
    data = q3_data()
    for month in Q3.months:
        data[month].update(revenue_attributed=150_000, revenue_total=100_000)
    metrics = calculate(source(data), Q3, COSTS, None, 0.5)
    assert metrics.value("marketing_revenue_share") is None
    assert metrics.values["marketing_revenue_share"].reason == (
        "marketing_revenue_share would be 150.0% (revenue_attributed / revenue_total), "
        "outside its possible range 0% to 100%: the data is inconsistent"
    )


def test_the_previous_period_is_checked_on_its_own_months() -> None:
    data = q3_data()
    data["2026-04"].update(emails_delivered=900, unique_clicks=901)
    data["2026-05"].update(emails_delivered=900, unique_clicks=1)
    data["2026-06"].update(emails_delivered=900, unique_clicks=1)
    metrics = calculate(source(data), Q3, COSTS, None, 0.5)
    assert metrics.value("click_rate") is not None
    assert metrics.values["click_rate"].previous is None  # Q2 is inconsistent
    assert metrics.values["click_rate"].change is None


def test_pack_metrics_reading_contradicting_inputs_are_undefined_too() -> None:
    data = source(inconsistent_q3(unique_clicks=5120, emails_delivered=1196))
    metrics = calculate(data, Q3, COSTS, None, 0.5)
    derived = {
        "clicks_per_delivery": (
            Formula.parse("unique_clicks / emails_delivered"),
            "ratio",
            "response",
        )
    }
    out = add_derived(metrics, derived, data)
    assert out.value("clicks_per_delivery") is None
    assert "exceed emails_delivered (1,196) in 2026-08" in out.values["clicks_per_delivery"].reason


def test_an_api_source_gets_the_same_treatment_as_a_file(tmp_path: Path) -> None:
    """The check lives in the metrics stage: a HubSpot-like SourceData is judged the same."""
    monthly = inconsistent_q3(bounces=9_999)
    data = SourceData(
        connector="hubspot",
        label="HubSpot portal 123",
        monthly=monthly,
        fetched_at="2026-11-23T00:00:00Z",
    )
    (tmp_path / "audit.yaml").write_text(CONFIG, encoding="utf-8")
    result = audit(load_config(tmp_path / "audit.yaml"), data=data).to_json()
    reason = "bounces (9,999) exceed emails_sent (2,000) in 2026-08: the data is inconsistent"
    assert result["undefined"]["bounce_rate"] == reason
    bounce = next(f for f in result["findings"] if f["rule"] == "bounce-rate")
    assert bounce["status"] == "no_data"
    assert reason in bounce["message"]
    assert (
        f"HubSpot portal 123: {reason}; KPIs that read bounces or emails_sent are undefined "
        "for periods that include these months"
    ) in result["warnings"]


def test_impossible_click_rate_from_a_file_is_no_data_end_to_end(tmp_path: Path) -> None:
    write_wide_csv(
        tmp_path / "data.csv", inconsistent_q3(unique_clicks=5120, emails_delivered=1196)
    )
    config = config_with(tmp_path, "  connector: file\n  path: data.csv\n")
    outcome = check(tmp_path, config, "--format", "json", "--fail-on", "never")
    assert outcome.code == 0, outcome.stderr[-2000:]
    assert "Traceback" not in outcome.output
    assert_no_secret(outcome)
    result = json.loads(outcome.stdout)
    statuses = {f["rule"]: f["status"] for f in result["findings"]}
    assert statuses["click-rate"] == "no_data"
    assert statuses["open-rate"] == "no_data"
    assert "click_rate" not in result["metrics"]
    assert (
        "warning: data.csv: unique_clicks (5,120) exceed emails_delivered (1,196) in 2026-08"
        in outcome.stderr
    )


def test_nothing_judgeable_exits_3_as_for_missing_data(tmp_path: Path) -> None:
    monthly = {
        month: {"emails_sent": 100.0, "emails_delivered": 90.0, "unique_clicks": 500.0}
        for month in ("2026-07", "2026-08", "2026-09")
    }
    write_wide_csv(tmp_path / "data.csv", monthly)
    rules = tmp_path / "pack.yaml"
    rules.write_text(
        "version: 1\n"
        "name: clicks\n"
        "categories:\n"
        "  response: {weight: 1}\n"
        "rules:\n"
        "  - id: click-rate\n"
        '    title: {es: "Clics", en: "Clicks"}\n'
        "    category: response\n"
        "    metric: click_rate\n"
        "    thresholds: {fail: {below: 1%}}\n"
        '    source: "Test"\n'
        '    message: {es: "Clics {{ value | pct }}", en: "Clicks {{ value | pct }}"}\n'
        '    recommendation: {es: "Mejore.", en: "Improve."}\n',
        encoding="utf-8",
    )
    config = config_with(
        tmp_path, "  connector: file\n  path: data.csv\n", "rules: {packs: [pack.yaml]}\n"
    )
    outcome = check(tmp_path, config, "--format", "json")
    assert outcome.code == 3, outcome.stderr[-2000:]
    result = json.loads(outcome.stdout)
    (finding,) = result["findings"]
    assert finding["status"] == "no_data"


def test_closed_loop_never_reports_a_negative_count_of_unsourced_deals() -> None:
    data = source(inconsistent_q3(deals_won=2, deals_won_with_source=5))
    metrics = calculate(data, Q3, COSTS, None, 0.5)

    class Context:
        pass

    context = Context()
    context.metrics = metrics  # type: ignore[attr-defined]
    loop = closed_loop(context, [], None)  # type: ignore[arg-type]
    assert loop["coverage"] is None
    assert loop["coverage_reason"].startswith("deals_won_with_source (5) exceed deals_won (2)")
    assert loop["deals_unknown_source"] is None


def test_automated_emails_above_all_sends_make_their_share_undefined() -> None:
    data = q3_data()
    for month in Q3.months:
        data[month]["emails_automated"] = 100
    data["2026-08"]["emails_automated"] = 2_500  # emails_sent is 2,000
    metrics = calculate(source(data), Q3, COSTS, None, 0.5)
    assert metrics.value("automated_email_share") is None
    assert metrics.values["automated_email_share"].reason == (
        "emails_automated (2,500) exceed emails_sent (2,000) in 2026-08: the data is inconsistent"
    )
    data["2026-08"]["emails_automated"] = 100
    assert calculate(source(data), Q3, COSTS, None, 0.5).value("automated_email_share") == 0.05


def test_human_opens_above_all_opens_make_the_human_open_rate_undefined() -> None:
    data = q3_data()
    for month in Q3.months:
        data[month]["unique_opens_human"] = 200  # unique_opens is 300 a month
    data["2026-09"]["unique_opens_human"] = 301
    metrics = calculate(source(data), Q3, COSTS, None, 0.5)
    assert metrics.value("human_open_rate") is None
    assert metrics.values["human_open_rate"].reason == (
        "unique_opens_human (301) exceed unique_opens (300) in 2026-09: the data is inconsistent"
    )
    assert metrics.value("open_rate") is None  # it reads unique_opens, one of the two
