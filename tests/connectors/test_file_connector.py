"""The file connector against DESIGN.md section 5, every expected value worked out by hand."""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from auditor.connectors.file import FileConnector, FileOptions
from auditor.core.errors import InputError, Problem
from auditor.core.models import SourceData


def write(folder: Path, name: str, content: str | bytes) -> str:
    """Write a data file and return its name as a config would write it."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    (folder / name).write_bytes(data)
    return name


def fetch(folder: Path, name: str, **options: Any) -> SourceData:
    return FileConnector(FileOptions(path=name, **options), folder).fetch([])


def problems(folder: Path, name: str, **options: Any) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        fetch(folder, name, **options)
    return caught.value.problems


def only_problem(folder: Path, name: str, **options: Any) -> Problem:
    found = problems(folder, name, **options)
    assert len(found) == 1, found
    return found[0]


def located(found: list[Problem]) -> list[tuple[int | None, int | None]]:
    return [(p.line, p.col) for p in found]


# --- reading good files -------------------------------------------------------------------


def test_wide_csv_gives_months_and_provenance(tmp_path: Path) -> None:
    content = (
        "month,emails_sent,unique_opens,revenue_won\n2026-07,1200,300,5000.5\n2026-08,1000,250,0\n"
    )
    name = write(tmp_path, "data.csv", content)
    data = fetch(tmp_path, name)
    assert data.connector == "file"
    assert data.label == "data.csv"
    assert data.monthly == {
        "2026-07": {"emails_sent": 1200.0, "unique_opens": 300.0, "revenue_won": 5000.5},
        "2026-08": {"emails_sent": 1000.0, "unique_opens": 250.0, "revenue_won": 0.0},
    }
    assert data.by_channel == {}
    assert data.not_measured == {}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data.fetched_at)
    assert data.provenance == {
        "path": "data.csv",
        "format": "wide",
        "file_type": "csv",
        "delimiter": ",",
        "decimal": ".",
        "rows": 2,
        "first_month": "2026-07",
        "last_month": "2026-08",
        "sha256": hashlib.sha256(content.encode()).hexdigest(),
        # catalog order, only what the file holds (the report appendix names each column)
        "metric_sources": {
            "emails_sent": "emails_sent",
            "unique_opens": "unique_opens",
            "revenue_won": "revenue_won",
        },
    }


def test_months_argument_is_ignored(tmp_path: Path) -> None:
    name = write(tmp_path, "d.csv", "month,mqls\n2026-07,4\n2025-01,3\n")
    data = FileConnector(FileOptions(path=name), tmp_path).fetch(["2026-07"])
    assert list(data.monthly) == ["2025-01", "2026-07"]  # sorted, whatever the file order


def test_long_csv_with_channel_breakdown(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "long.csv",
        "month,metric,value,channel\n"
        "2026-07,emails_sent,100,newsletter\n"
        "2026-07,emails_sent,40,nurture\n"
        "2026-07,emails_sent,10,\n"
        "2026-07,leads_new,7,nurture\n"
        "2026-08,emails_sent,5,newsletter\n",
    )
    data = fetch(tmp_path, name)
    assert data.monthly == {
        "2026-07": {"emails_sent": 150.0, "leads_new": 7.0},
        "2026-08": {"emails_sent": 5.0},
    }
    assert data.by_channel == {
        "newsletter": {"2026-07": {"emails_sent": 100.0}, "2026-08": {"emails_sent": 5.0}},
        "nurture": {"2026-07": {"emails_sent": 40.0, "leads_new": 7.0}},
    }
    assert data.provenance["format"] == "long"
    assert data.provenance["rows"] == 5


def test_long_csv_without_channel_column(tmp_path: Path) -> None:
    name = write(tmp_path, "l.csv", "Metric,Value,Month\nmqls,3,2026-07\nMQLS ,2,2026-07\n")
    assert fetch(tmp_path, name).monthly == {"2026-07": {"mqls": 5.0}}


def test_bom_whitespace_and_case_in_header(tmp_path: Path) -> None:
    name = write(tmp_path, "bom.csv", b"\xef\xbb\xbf Month , EMAILS_SENT \n2026-07, 12 \n")
    assert fetch(tmp_path, name).monthly == {"2026-07": {"emails_sent": 12.0}}


def test_semicolon_and_decimal_comma(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "es.csv",
        "month;revenue_won;revenue_attributed;emails_sent;mrr\n2026-07;1.234,5;1234,5;1.234;2.000.000\n",
    )
    data = fetch(tmp_path, name)
    assert data.monthly == {
        "2026-07": {
            "revenue_won": 1234.5,
            "revenue_attributed": 1234.5,
            "emails_sent": 1234.0,
            "mrr": 2000000.0,
        }
    }
    assert (data.provenance["delimiter"], data.provenance["decimal"]) == (";", ",")


def test_tab_delimited(tmp_path: Path) -> None:
    name = write(tmp_path, "t.txt", "month\temails_sent\tmqls\n2026-07\t10\t2\n")
    data = fetch(tmp_path, name)
    assert data.monthly == {"2026-07": {"emails_sent": 10.0, "mqls": 2.0}}
    assert (data.provenance["delimiter"], data.provenance["decimal"]) == ("\t", ".")


def test_quoted_thousands_in_a_comma_file(tmp_path: Path) -> None:
    name = write(tmp_path, "q.csv", 'month,emails_sent,mrr\n2026-07,"1,234","1,234.5"\n')
    assert fetch(tmp_path, name).monthly == {"2026-07": {"emails_sent": 1234.0, "mrr": 1234.5}}


def test_explicit_delimiter_and_decimal_win_over_auto(tmp_path: Path) -> None:
    name = write(tmp_path, "x.csv", 'month,mrr\n2026-07,"1234,5"\n')
    data = fetch(tmp_path, name, decimal=",")
    assert data.monthly == {"2026-07": {"mrr": 1234.5}}
    name = write(tmp_path, "y.csv", "month;mrr\n2026-07;1234.5\n")
    assert fetch(tmp_path, name, decimal=".").monthly == {"2026-07": {"mrr": 1234.5}}


def test_format_option_overrides_extension(tmp_path: Path) -> None:
    name = write(tmp_path, "export.dat", "month,mqls\n2026-07,3\n")
    assert fetch(tmp_path, name, format="csv").monthly == {"2026-07": {"mqls": 3.0}}


def test_absolute_path_and_subfolder(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    write(tmp_path / "data", "a.csv", "month,mqls\n2026-07,3\n")
    assert fetch(tmp_path, "data/a.csv").label == "data/a.csv"
    absolute = str(tmp_path / "data" / "a.csv")
    assert fetch(Path("/nonexistent"), absolute).monthly == {"2026-07": {"mqls": 3.0}}


def test_date_months_blank_lines_and_crlf(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "d.csv",
        "\r\nmonth;mqls;sqls\r\n2026-07-31;2;1\r\n;;\r\n\r\n2026-07-01;3;\r\n",
    )
    data = fetch(tmp_path, name)
    assert data.monthly == {"2026-07": {"mqls": 5.0, "sqls": 1.0}}
    assert data.provenance["rows"] == 2


def test_wide_file_may_carry_a_channel_column(tmp_path: Path) -> None:
    name = write(
        tmp_path, "w.csv", "month,channel,emails_sent\n2026-07,a,1\n2026-07,b,2\n2026-07,,4\n"
    )
    data = fetch(tmp_path, name)
    assert data.monthly == {"2026-07": {"emails_sent": 7.0}}
    assert data.by_channel == {
        "a": {"2026-07": {"emails_sent": 1.0}},
        "b": {"2026-07": {"emails_sent": 2.0}},
    }


def test_repeated_rows_add_up_for_sum_metrics(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "c.csv",
        "month,campaign,campaigns_sent,emails_sent\n2026-07,a,1,500\n2026-07,b,1,700\n"
        "2026-08,a,1,10\n2026-07,c,2,300\n",
    )
    assert fetch(tmp_path, name).monthly == {
        "2026-07": {"campaigns_sent": 4.0, "emails_sent": 1500.0},
        "2026-08": {"campaigns_sent": 1.0, "emails_sent": 10.0},
    }


def test_stock_repeats_must_agree_and_channels_add_up(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "s.csv",
        "month,metric,value,channel\n"
        "2026-07,workflows_active,3,email\n"
        "2026-07,workflows_active,4,sms\n"
        "2026-07,workflows_active,3,email\n"
        "2026-07,mrr,100,\n"
        "2026-07,mrr,100,\n",
    )
    data = fetch(tmp_path, name)
    assert data.monthly == {"2026-07": {"workflows_active": 7.0, "mrr": 100.0}}
    assert data.by_channel["email"] == {"2026-07": {"workflows_active": 3.0}}
    assert data.by_channel["sms"] == {"2026-07": {"workflows_active": 4.0}}


def test_stock_conflict_names_both_rows(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "s.csv",
        "month,workflows_active,emails_sent,campaign\n"
        "2026-06,5,1,a\n"
        "2026-07,12,1,a\n"
        "2026-08,5,1,a\n"
        "2026-07,15,1,b\n",
    )
    problem = only_problem(tmp_path, name)
    assert (problem.file, problem.line, problem.col) == ("s.csv", 5, 2)
    assert problem.message == (
        "workflows_active is a stock (value at month end); rows 3 and 5 give different "
        "values for 2026-07: 12 and 15"
    )


def test_stock_conflict_within_a_channel(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "s.csv",
        "month,metric,value,channel\n2026-07,accounts_active,9,eu\n2026-07,accounts_active,8,eu\n",
    )
    problem = only_problem(tmp_path, name)
    assert (problem.line, problem.col) == (3, 3)
    assert "rows 2 and 3 give different values for 2026-07 (channel 'eu')" in problem.message


def test_empty_cells_are_absent_not_zero(tmp_path: Path) -> None:
    name = write(tmp_path, "e.csv", "month,emails_sent,mqls,sqls\n2026-07,10,, \n2026-08,,0,\n")
    data = fetch(tmp_path, name)
    assert data.monthly == {"2026-07": {"emails_sent": 10.0}, "2026-08": {"mqls": 0.0}}
    assert "mqls" not in data.monthly["2026-07"]


def test_empty_value_in_long_file_is_absent(tmp_path: Path) -> None:
    name = write(tmp_path, "e.csv", "month,metric,value\n2026-07,mqls,\n2026-07,sqls,2\n")
    assert fetch(tmp_path, name).monthly == {"2026-07": {"sqls": 2.0}}


def test_short_rows_mean_missing_cells(tmp_path: Path) -> None:
    name = write(tmp_path, "s.csv", "month,mqls,sqls\n2026-07,4\n")
    assert fetch(tmp_path, name).monthly == {"2026-07": {"mqls": 4.0}}


def test_trailing_unnamed_empty_columns_are_ignored(tmp_path: Path) -> None:
    name = write(tmp_path, "t.csv", "month;mqls;;\n2026-07;4;;\n")
    assert fetch(tmp_path, name).monthly == {"2026-07": {"mqls": 4.0}}


def test_line_numbers_after_a_multiline_quoted_cell(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "m.csv",
        'month,channel,mqls\n2026-07,"two\nlines",1\n2026-08,x,abc\n',
    )
    problem = only_problem(tmp_path, name)
    assert (problem.line, problem.col) == (4, 3)


def test_large_file_is_streamed_and_summed(tmp_path: Path) -> None:
    rows = "".join(f"2026-{m:02d},emails_sent,{i}\n" for i in range(5000) for m in (1, 2))
    name = write(tmp_path, "big.csv", "month,metric,value\n" + rows)
    data = fetch(tmp_path, name)
    assert data.monthly["2026-01"]["emails_sent"] == sum(range(5000))
    assert data.provenance["rows"] == 10000


# --- JSON and YAML records ----------------------------------------------------------------


def test_json_wide_records(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "r.json",
        '[{"month": "2026-07", "emails_sent": 10, "mrr": 99.5, "mqls": null},\n'
        ' {"Month": "2026-08-01", "emails_sent": "1,200", "mqls": ""}]\n',
    )
    data = fetch(tmp_path, name)
    assert data.monthly == {
        "2026-07": {"emails_sent": 10.0, "mrr": 99.5},
        "2026-08": {"emails_sent": 1200.0},
    }
    assert data.provenance["file_type"] == "json"
    assert data.provenance["delimiter"] is None
    assert data.provenance["rows"] == 2


def test_yaml_long_records(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "r.yml",
        "- {month: 2026-07, metric: emails_sent, value: 10, channel: email}\n"
        "- month: 2026-07-15\n"
        "  metric: emails_sent\n"
        "  value: 5\n"
        "- {month: '2026-08', metric: mqls, value: ~}\n",
    )
    data = fetch(tmp_path, name)
    assert data.monthly == {"2026-07": {"emails_sent": 15.0}, "2026-08": {}}
    assert data.by_channel == {"email": {"2026-07": {"emails_sent": 10.0}}}
    assert data.provenance["format"] == "long"
    assert data.provenance["file_type"] == "yaml"


def test_json_errors_have_line_and_column_even_with_tabs(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "r.json",
        '[\n\t{"month": "2026-07", "emails_sent": 10},\n'
        '\t{"month": "2026-08", "emails_sent": "abc", "open_rate": 0.2}\n]\n',
    )
    found = problems(tmp_path, name)
    assert located(found) == [(3, 23), (3, 45)]
    assert found[0].message == "emails_sent: 'abc' is not a number"
    assert "computed by the auditor from base metrics" in found[1].message
    assert {p.file for p in found} == {"r.json"}


def test_yaml_errors_have_line_numbers(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "r.yaml",
        "- month: 2026-07\n  emails_sent: 10\n- month: July\n  emails_sent: -4\n  emails_snt: 3\n",
    )
    found = problems(tmp_path, name)
    assert located(found) == [(3, 3), (4, 3), (5, 3)]
    assert "month: 'July' is not a month; expected YYYY-MM" in found[0].message
    assert "negative counts are not possible" in found[1].message
    assert "did you mean 'emails_sent'" in found[2].message


def test_records_must_share_the_first_records_form(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "r.yaml",
        "- {month: 2026-07, emails_sent: 1}\n- {month: 2026-07, metric: mqls, value: 1}\n- 5\n",
    )
    found = problems(tmp_path, name)
    assert located(found) == [(2, 3), (3, 3)]
    assert "uses the long form but the first record uses the wide form" in found[0].message
    assert "record 3 is not an object" in found[1].message


@pytest.mark.parametrize(
    ("content", "where", "fragment"),
    [
        ('{"month": "2026-07"}', (1, 1), "expected a list of records"),
        ("[]", (1, 1), "the list of records is empty"),
        ("[1, 2]", (1, 2), "record 1 is not an object"),
        ('[{"month": "2026-07",\n  "mqls": 1,}]', (2, 13), "invalid JSON"),
        ('[{"month": "2026-07",\n  "mqls": 1, "mqls": 2}]', (2, 14), "duplicate key 'mqls'"),
        ('[{"mqls": 1}]', (1, 2), "month is empty"),
        ("   \n", (None, None), "the file is empty"),
    ],
)
def test_bad_json_structure(
    tmp_path: Path, content: str, where: tuple[int | None, int | None], fragment: str
) -> None:
    name = write(tmp_path, "r.json", content)
    problem = only_problem(tmp_path, name)
    assert (problem.file, problem.line, problem.col) == ("r.json", *where)
    assert fragment in problem.message


def test_yaml_impossible_date_is_located(tmp_path: Path) -> None:
    name = write(tmp_path, "r.yaml", "- month: 2026-07-01\n  mqls: 1\n- month: 2026-02-30\n")
    problem = only_problem(tmp_path, name)
    assert (problem.line, problem.col) == (3, 10)
    assert problem.message == "invalid value '2026-02-30': day is out of range for month"


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    name = write(tmp_path, "r.yaml", "- month: 2026-07\n  mqls: [1\n")
    problem = only_problem(tmp_path, name)
    assert problem.file == "r.yaml"
    assert problem.line == 3
    assert "invalid YAML" in problem.message


# --- bad cells and headers ----------------------------------------------------------------


WIDE = "month,emails_sent,mrr\n"


@pytest.mark.parametrize(
    ("content", "where", "fragment"),
    [
        (WIDE + "2026-07,abc,1\n", (2, 2), "emails_sent: 'abc' is not a number"),
        (WIDE + "2026-07,1,€5\n", (2, 3), "mrr: '€5' is not a number (remove the currency sign)"),
        (WIDE + "2026-07,5%,1\n", (2, 2), "emails_sent: '5%' is not a number (remove the '%'"),
        (WIDE + "2026-07,1e3,1\n", (2, 2), "emails_sent: '1e3' is not a number"),
        (
            WIDE + "2026-07,12.5,1\n",
            (2, 2),
            "'12.5' is not a whole number (emails_sent is a count)",
        ),
        (WIDE + "2026-07,-3,1\n", (2, 2), "'-3' is negative; negative counts are not possible"),
        (WIDE + "2026-07,3,-1.5\n", (2, 3), "mrr: '-1.5' is negative; negative amounts are"),
        (WIDE + '2026-07,"12,5",1\n', (2, 2), 'set source.decimal: ","'),
        (WIDE + '2026-07,"1,23,456",1\n', (2, 2), "'1,23,456' is not a number"),
        (WIDE + "jul-26,1,1\n", (2, 1), "month: 'jul-26' is not a month; expected YYYY-MM"),
        (WIDE + "2026-13,1,1\n", (2, 1), "month: '2026-13' is not a month"),
        (WIDE + "2026-02-30,1,1\n", (2, 1), "month: '2026-02-30' is not a month"),
        (WIDE + ",1,1\n", (2, 1), "month is empty"),
        (WIDE + "2026-07,1,1,7\n", (2, 4), "value '7' in column 4, which has no header name"),
        ("month;mrr\n2026-07;1234.5\n", (2, 2), "mrr: '1234.5' is ambiguous"),
        ("month;mrr\n2026-07;1.23\n", (2, 2), 'set source.decimal: "."'),
        ("month;mrr\n2026-07;1.2345\n", (2, 2), "is ambiguous"),
        (
            "month,emails_snt\n2026-07,1\n",
            (1, 2),
            "unknown column 'emails_snt' (did you mean 'emails_sent'?)",
        ),
        ("month,xyzzy\n2026-07,1\n", (1, 2), "unknown column 'xyzzy'; wide file columns are"),
        (
            "month,Open_Rate\n2026-07,0.2\n",
            (1, 2),
            "'Open_Rate' is a KPI computed by the auditor from base metrics",
        ),
        ("month,mqls,MQLS\n2026-07,1,2\n", (1, 3), "column 'mqls' appears twice (columns 2 and 3)"),
        ("month,metric\n2026-07,mqls\n", (1, 2), "belongs to the long form"),
        ("date,mqls\n2026-07,1\n", (1, 2), None),
        (
            "month,metric,value\n2026-07,mqsl,1\n",
            (2, 2),
            "unknown metric 'mqsl' (did you mean 'mqls'?)",
        ),
        (
            "month,metric,value\n2026-07,click_rate,0.1\n",
            (2, 2),
            "is a KPI computed by the auditor",
        ),
        ("month,metric,value\n,mqls,1\n", (2, 1), "month is empty"),
        ("month,metric,value\n2026-07,,1\n", (2, 2), "metric is empty"),
        ("month,metric,value\n2026-07,mqls,x\n", (2, 3), "mqls: 'x' is not a number"),
        ("month,metric,value,campaign\n2026-07,mqls,1,a\n", (1, 4), "unknown column 'campaign'"),
    ],
)
def test_bad_cell_is_located(
    tmp_path: Path, content: str, where: tuple[int, int], fragment: str | None
) -> None:
    name = write(tmp_path, "bad.csv", content)
    found = problems(tmp_path, name)
    if fragment is None:  # a header without month: one message (not one per column)
        assert located(found) == [(1, None)]
        assert "no 'month' column in the header" in found[0].message
        assert "known export layouts: mailchimp-campaigns" in found[0].message
        return
    assert len(found) == 1, found
    assert (found[0].file, found[0].line, found[0].col) == ("bad.csv", *where)
    assert fragment in found[0].message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "the file is empty"),
        (" \n\n", "the file is empty"),
        ("\ufeff", "the file is empty"),
        ("month,mqls\n", "no data rows below the header (line 1)"),
        ("month,mqls\n,\n , \n", "no data rows below the header"),
        ("mqls,sqls\n1,2\n", "no 'month' column in the header"),
    ],
)
def test_files_without_data(tmp_path: Path, content: str, fragment: str) -> None:
    name = write(tmp_path, "e.csv", content)
    problem = only_problem(tmp_path, name)
    assert problem.file == "e.csv"
    assert fragment in problem.message


def test_missing_file_names_path_and_folder(tmp_path: Path) -> None:
    problem = only_problem(tmp_path, "data/nope.csv")
    assert problem.file == "data/nope.csv"
    assert problem.message.startswith("file not found: data/nope.csv")
    assert str(tmp_path) in problem.message


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    assert "is a folder" in only_problem(tmp_path, "dir.csv").message


@pytest.mark.parametrize("name", ["data.xlsx", "data", "data.tsv"])
def test_unknown_extension_lists_accepted_ones(tmp_path: Path, name: str) -> None:
    message = only_problem(tmp_path, name).message
    assert ".csv, .txt, .json, .yaml, .yml" in message
    assert ("CSV UTF-8" in message) == (name == "data.xlsx")


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    name = write(tmp_path, "l1.csv", "month;mrr\n2026-07;1\n2026-08;Caf\xe9\n".encode("latin-1"))
    problem = only_problem(tmp_path, name)
    assert (problem.file, problem.line, problem.col) == ("l1.csv", 3, 12)
    assert "save the file as UTF-8" in problem.message
    assert "0xE9" in problem.message


def test_non_utf8_json_is_located(tmp_path: Path) -> None:
    name = write(tmp_path, "l1.json", b'[{"month": "2026-07",\n "channel": "\xe9"}]')
    problem = only_problem(tmp_path, name)
    assert (problem.line, problem.col) == (2, 14)
    assert "UTF-8" in problem.message


def test_all_problems_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    name = write(
        tmp_path,
        "many.csv",
        "month,emails_sent,bogus_metric,mrr\n2026-07,abc,1,10\n2026-13,5,1,-1\n2026-08,1.5,1,ok\n",
    )
    found = problems(tmp_path, name)
    assert located(found) == [(1, 3), (2, 2), (3, 1), (3, 4), (4, 2), (4, 4)]
    assert all(p.file == "many.csv" for p in found)


def test_problems_are_capped_at_fifty(tmp_path: Path) -> None:
    rows = "".join(f"{2020 + i // 12}-{i % 12 + 1:02d},bad{i}\n" for i in range(60))
    name = write(tmp_path, "cap.csv", "month,mqls\n" + rows)
    found = problems(tmp_path, name)
    assert len(found) == 51
    assert found[0].line == 2
    assert found[49].line == 51
    assert found[50].message == "... and 10 more problems"


def test_unknown_columns_are_reported_once(tmp_path: Path) -> None:
    name = write(
        tmp_path, "u.json", '[{"month": "2026-07", "foo": 1}, {"month": "2026-08", "foo": 2}]'
    )
    assert located(problems(tmp_path, name)) == [(1, 23)]


def test_options_are_validated() -> None:
    with pytest.raises(ValidationError):
        FileOptions(path="a.csv", delimiter="|")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        FileOptions(path="a.csv", sheet="x")  # type: ignore[call-arg]
    assert FileConnector.Options is FileOptions
    assert FileConnector.name == "file"
    assert "\n" not in FileConnector.description


# --- nothing but InputError escapes -------------------------------------------------------


GARBAGE: list[bytes] = [
    b"\x00\x00\x00",
    b'"',
    b'month,mqls\n"2026-07,1\n2026-08,2\n',
    b"month,mqls\n2026-07," + b"9" * 400 + b"\n",
    b"month,mqls\n2026-07,\x00\n",
    b"{",
    b"[",
    b"[" * 3000 + b"]" * 3000,
    b"- " * 3000,
    b"null",
    b"[null, true, 1.5]",
    b'[{"month": 1, "mqls": true, "sqls": [1], "channel": {}}]',
    b'[{"month": "2026-07", "metric": 5, "value": {"a": 1}}]',
    b'[{"month": "2026-07", "mqls": NaN, "sqls": 1e400}]',
    b'[{"month": "2026-07", "mqls": ' + b"9" * 5000 + b"}]",
    b"- month: 2026-07\n  mqls: !!python/object:os.system x\n",
    b"- &a {month: 2026-07}\n- *a\n- <<: *a\n",
    b"\xff\xfe m\x00o\x00",
    b"\xef\xbb\xbf\xef\xbb\xbfmonth,mqls\n2026-07,1\n",
    b"month\r2026-07\r",
    b"month,metric,value\n\n\n",
]


def _random_garbage(count: int) -> list[bytes]:
    rng = random.Random(20260723)
    alphabet = b'month,;\t"\n\r-0123456789.e{}[]:#&*!\xc3\xa9\xff metric value mqls'
    return [bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(count)]


def outcome(folder: Path, name: str) -> SourceData | InputError:
    try:
        return fetch(folder, name)
    except InputError as exc:
        return exc


@pytest.mark.parametrize("extension", ["csv", "json", "yaml"])
def test_garbage_only_ever_raises_input_error(tmp_path: Path, extension: str) -> None:
    for index, content in enumerate(GARBAGE + _random_garbage(150)):
        name = write(tmp_path, f"g{index}.{extension}", content)
        result = outcome(tmp_path, name)
        if isinstance(result, InputError):
            assert result.problems, content
            assert all(p.file == name for p in result.problems), content
        else:
            assert isinstance(result, SourceData), content


def test_unclosed_quote_is_hinted(tmp_path: Path) -> None:
    name = write(tmp_path, "q.csv", 'month,mqls\n"2026-07,1\n2026-08,2\n')
    problem = only_problem(tmp_path, name)
    assert (problem.line, problem.col) == (2, 1)
    assert problem.message.startswith("month: '2026-07,1\\n2026-08,2\\n' is not a month")
    assert problem.message.endswith("(the cell spans several lines: is a quote left open?)")


def test_control_characters_are_shown_escaped(tmp_path: Path) -> None:
    name = write(tmp_path, "n.csv", "month,mqls\n2026-07,4\x00\n")
    assert only_problem(tmp_path, name).message == "mqls: '4\\x00' is not a number"
