"""`format: columns`: an export the project has no layout for, read by the columns the
config names (issue 12), with the same cell rules and located messages as the layouts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from auditor.cli.main import main
from auditor.connectors.exports.mapped import ColumnMapping
from tests.connectors.test_exports import fetch, problems_of

CAMPAIGNS = (
    "Campaign Name,Type,Sent Date,Sends,Opens,Unique Opens,Clicks,Unique Clicks,Unsubscribes,"
    "Hard Bounces,Soft Bounces,Revenue\n"
    '"April news",Standard,04/07/2026 09:30,"1,200",900,510,140,88,4,6,9,"$1,840.00"\n'
    '"Welcome",Automated,04/09/2026 10:00,300,200,150,60,40,1,0,1,$0.00\n'
    '"May news",Standard,05/05/2026 09:30,"1,250",950,530,150,91,3,5,7,n/a\n'
)

MAPPING: dict[str, Any] = {
    "date": "Sent Date",
    "date_formats": ["%m/%d/%Y %H:%M"],
    "rows": "campaigns_sent",
    "only": {"column": "Type", "values": ["Standard"]},
    "metrics": {
        "emails_sent": "Sends",
        "unique_opens": "Unique Opens",
        "unique_clicks": "Unique Clicks",
        "bounces": ["Hard Bounces", "Soft Bounces"],
        "revenue_attributed": "Revenue",
    },
}


def _write(tmp_path: Path, text: str = CAMPAIGNS) -> str:
    (tmp_path / "campaigns.csv").write_text(text, encoding="utf-8")
    return "campaigns.csv"


def test_named_columns_are_summed_by_month_with_the_export_cell_rules(tmp_path: Path) -> None:
    data = fetch(tmp_path, _write(tmp_path), format="columns", columns=ColumnMapping(**MAPPING))
    assert data.monthly["2026-04"] == {
        "emails_sent": 1200.0,  # the automated row is not a Standard campaign
        "unique_opens": 510.0,  # Unique Opens, not Opens
        "unique_clicks": 88.0,
        "bounces": 15.0,  # hard + soft
        "revenue_attributed": 1840.0,
        "campaigns_sent": 1.0,
    }
    # May's revenue is n/a: not measured in May, never 0
    assert "revenue_attributed" not in data.monthly["2026-05"]
    assert "n/a" in data.not_measured["revenue_attributed"]
    assert data.provenance["export_sources"]["bounces"] == {
        "dated_by": "Sent Date",
        "columns": ["Hard Bounces", "Soft Bounces"],
    }
    assert data.provenance["layout_origin"] == "source.columns in the audit config"


def test_a_column_the_header_lacks_is_named_with_the_closest(tmp_path: Path) -> None:
    mapping = {**MAPPING, "metrics": {"unique_clicks": "Unique Click"}}
    [problem] = problems_of(
        tmp_path, _write(tmp_path), format="columns", columns=ColumnMapping(**mapping)
    )
    assert problem.line == 1
    assert "no column 'Unique Click' (did you mean 'Unique Clicks'?)" in problem.message


def test_a_percentage_in_a_named_count_column_is_located(tmp_path: Path) -> None:
    name = _write(tmp_path, CAMPAIGNS.replace(",510,", ",42.5%,"))
    [problem] = problems_of(tmp_path, name, format="columns", columns=ColumnMapping(**MAPPING))
    assert (problem.line, problem.col) == (2, 6)
    assert "Unique Opens" in problem.message
    assert "percentage where a count" in problem.message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"metrics": {"email_sent": "Sends"}}, "did you mean 'emails_sent'"),
        ({"metrics": {"mrr": "MRR"}}, "mrr is a month-end figure"),
        ({"metrics": {}, "rows": None}, "name at least one base metric"),
        ({"rows": "emails_sent"}, "both counted as rows and read from a column"),
        ({"date_formats": ["MM/DD/YYYY"]}, "is not a strptime format"),
    ],
)
def test_bad_mappings_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ColumnMapping(**{**MAPPING, **change})


def test_columns_and_format_go_together_in_the_config(tmp_path: Path) -> None:
    _write(tmp_path)
    (tmp_path / "c.yaml").write_text(
        "client: C\nperiod: 2026-05\nsource:\n  connector: file\n  path: campaigns.csv\n"
        "  columns: {date: Sent Date, metrics: {emails_sent: Sends}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["check", str(tmp_path / "c.yaml")])
    assert result.exit_code == 2
    assert "source.columns is read only with format: columns" in result.output
    (tmp_path / "c.yaml").write_text(
        "client: C\nperiod: 2026-05\nsource:\n  connector: file\n  path: campaigns.csv\n"
        "  format: columns\n  columns: {date: Sent Date, date_formats: ['%m/%d/%Y %H:%M'],\n"
        "    metrics: {emails_sent: Sends, unique_clicks: Unique Clicks}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["check", str(tmp_path / "c.yaml"), "--format", "json",
                                       "--fail-on", "never"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"emails_sent"' in result.output


def test_a_row_filter_naming_a_column_the_file_lacks_is_refused(tmp_path: Path) -> None:
    """`only:` is the consultant's own filter: a missing column would read every row."""
    mapping = {**MAPPING, "only": {"column": "Campaign Type", "values": ["Standard"]}}
    [problem] = problems_of(
        tmp_path, _write(tmp_path), format="columns", columns=ColumnMapping(**mapping)
    )
    assert problem.line == 1
    assert "no column 'Campaign Type'" in problem.message
