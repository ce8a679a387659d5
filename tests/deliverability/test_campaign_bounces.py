"""Hard bounces per campaign: each send of the audited months against the lines at which
platforms stop an account (HubSpot 5 %, Brevo 2 %; above 2 % warns), in the audit's
findings and report section, carried by the snapshot so a replay judges the same sends,
with a malformed snapshot row refused naming it."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.connectors.snapshot import snapshot_from_json
from auditor.core.errors import InputError
from auditor.core.models import CampaignSend
from auditor.core.resources import demo_dir
from auditor.deliverability.campaigns import judge_campaigns, platform_of
from auditor.outputs.report.html import render_html

Q3 = ("2026-07", "2026-08", "2026-09")


def send(
    hard: int, sent: int = 1000, day: date = date(2026, 8, 3), name: str = "c"
) -> CampaignSend:
    return CampaignSend(f"{name}-{hard}-{sent}", name, day, sent, hard)


def verdicts(connector: str, *sends: CampaignSend) -> list[str]:
    judged = judge_campaigns(sends, Q3, connector)
    assert judged is not None
    return [s.verdict for s in judged.sends]


@pytest.mark.parametrize(
    ("connector", "hard", "expected"),
    [
        # 20 of 1,000 is exactly 2 %: "higher than 2%" is not reached
        ("mailchimp", 20, "pass"),
        ("mailchimp", 21, "warn"),
        ("brevo", 20, "pass"),
        ("brevo", 21, "fail"),  # Brevo's own line is 2 %
        # no published limit: HubSpot's 5 %, the most lenient published, fails
        ("mailchimp", 50, "warn"),
        ("mailchimp", 51, "fail"),
        ("activecampaign", 51, "fail"),
        ("hubspot", 50, "warn"),
        ("hubspot", 51, "fail"),
        ("file", 51, "fail"),
    ],
)
def test_each_line_is_higher_than_as_the_platforms_word_it(connector, hard, expected):
    assert verdicts(connector, send(hard)) == [expected]


def test_a_send_under_100_is_listed_not_judged():
    judged = judge_campaigns([send(50, sent=99), send(0, sent=100)], Q3, "mailchimp")
    assert judged is not None
    assert [s.verdict for s in judged.sends] == ["small", "pass"]
    assert judged.worst == "pass"
    only_small = judge_campaigns([send(50, sent=99)], Q3, "mailchimp")
    assert only_small is not None
    assert only_small.worst == "unknown"
    assert only_small.to_json()["highest_rate"] is None


def test_only_the_audited_months_and_the_worst_first():
    sends = [
        send(30, day=date(2026, 6, 30), name="june"),  # before the period
        send(30, sent=2000, name="a"),  # 1.5 %
        send(40, sent=1000, day=date(2026, 7, 1), name="b"),  # 4 %
        send(80, sent=2000, day=date(2026, 9, 30), name="c"),  # 4 %, larger
        send(60, name="d"),  # 6 %
        send(90, day=date(2026, 10, 1), name="october"),  # after
    ]
    judged = judge_campaigns(sends, Q3, "mailchimp")
    assert judged is not None
    assert [s.send.name for s in judged.sends] == ["a", "b", "c", "d"]
    assert [s.send.name for s in judged.over] == ["d", "c", "b"]
    assert judged.worst == "fail"
    data = judged.to_json()
    assert (data["judged"], data["not_judged"], data["campaigns"]) == (4, 0, 4)
    assert data["over"][0] == {
        "id": "d-60-1000",
        "name": "d",
        "sent_on": "2026-08-03",
        "sent": 1000,
        "hard_bounces": 60,
        "hard_bounce_rate": 0.06,
        "status": "fail",
    }
    assert [s["key"] for s in data["sources"]] == ["hubspot-limits"]
    assert judge_campaigns(sends[:1], Q3, "mailchimp") is None  # nothing sent in the period


def test_the_platform_of_a_merged_source_and_its_cited_limit():
    assert platform_of("file+brevo") == "brevo"
    assert platform_of("file") is None
    judged = judge_campaigns([send(21)], Q3, "file+brevo")
    assert judged is not None
    assert judged.to_json()["platform"] == "Brevo"
    assert judged.to_json()["limit_published"] is True
    assert [s["key"] for s in judged.to_json()["sources"]] == ["hubspot-limits", "brevo-suspension"]


# --- in an audit, through a snapshot ---

CAMPAIGNS = [
    {"id": "71", "name": "Vuelta al cole <b>2026</b>", "sent_on": "2026-09-02", "sent": 4000,
     "hard_bounces": 104},  # 2.6 %: above Brevo's 2 %
    {"id": "70", "name": "Rebajas de verano", "sent_on": "2026-07-15", "sent": 5000,
     "hard_bounces": 60},  # 1.2 %
    {"id": "72", "name": "Prueba interna", "sent_on": "2026-08-20", "sent": 40,
     "hard_bounces": 4},  # too small to judge
    {"id": "69", "name": "Junio", "sent_on": "2026-06-30", "sent": 3000,
     "hard_bounces": 300},  # before the period
]  # fmt: skip


def demo_client(folder: Path) -> Path:
    for name in ("data.csv", "leads.csv", "demo.yaml"):
        shutil.copy(demo_dir() / name, folder / name)
    return folder / "demo.yaml"


def check(config: Path, *extra: str) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["check", str(config), "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.output + result.stderr
    return result.exit_code, json.loads(result.output)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, Path]:
    folder = tmp_path_factory.mktemp("campaigns")
    config = demo_client(folder)
    _, plain = check(config)
    snapshot = dict(plain["snapshot"], connector="brevo", campaigns=CAMPAIGNS)
    path = folder / "brevo.snapshot.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    code, result = check(config, "--from-snapshot", str(path), "--fail-on", "fail")
    assert code == 1
    return plain, result, path


def test_the_audit_judges_the_periods_campaigns_without_moving_a_score(replayed):
    plain, result, _ = replayed
    assert "deliverability" not in plain["analysis"]  # the demo's file has no campaigns
    assert result["scores"] == plain["scores"]
    (finding,) = [
        f for f in result["findings"] if f["rule"] == "deliverability-campaign-hard-bounces"
    ]
    assert finding["status"] == "fail"
    assert finding["weight"] == 0
    assert finding["message"] == (
        "1 de 2 campañas superaron el 2\u00a0% de rebotes duros; la peor, «Vuelta al cole "
        "<b>2026</b>» (2 sept 2026): 2,6\u00a0% (104 de 4.000 enviados); campañas enviadas a "
        "menos de 100 destinatarios, sin juzgar: 1; Brevo detiene los envíos por encima del "
        "2\u00a0% de rebotes duros en una campaña"
    )
    assert "deliverability-campaign-hard-bounces" in result["exit_reason"]
    section = result["analysis"]["deliverability"]
    assert section["domains"] == []
    campaigns = section["campaigns"]
    assert (campaigns["judged"], campaigns["not_judged"]) == (2, 1)
    assert [c["id"] for c in campaigns["over"]] == ["71"]
    assert campaigns["fail_above"] == 0.02


def test_the_report_section_escapes_the_campaign_name_in_each_language(replayed):
    _, result, _ = replayed
    spanish = render_html(result, language="es")
    assert "Vuelta al cole &lt;b&gt;2026&lt;/b&gt;" in spanish
    assert "<b>2026</b>" not in spanish
    section = spanish[spanish.index('id="sec-deliverability"') :]
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert "Rebotes duros por campaña" in text
    assert "Brevo. Campañas juzgadas en el periodo: 2; por encima del 2 %: 1." in text.replace(
        "\u00a0", " "
    )
    assert "2 de septiembre de 2026" in text
    assert "Reactivate your email campaigns after a suspension" in text  # the cited page
    english = render_html(result, language="en")
    section = english[english.index('id="sec-deliverability"') :]
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert "Brevo. Campaigns judged in the period: 2; above 2%: 1." in text
    assert "Rebotes" not in text
    assert "campañas" not in text


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ({"sent_on": "2026-09-31"}, "campaigns[1].sent_on: expected a date YYYY-MM-DD"),
        ({"hard_bounces": 5000}, "hard_bounces at most sent"),
        ({"sent": -1}, "whole numbers >= 0"),
        ({"sent": 10.5}, "whole numbers >= 0"),
        ({"sent": True}, "whole numbers >= 0"),
    ],
)
def test_a_malformed_campaign_row_is_refused_naming_it(replayed, row, said):
    _, _, path = replayed
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    snapshot["campaigns"] = [dict(CAMPAIGNS[0], **row)]
    with pytest.raises(InputError) as caught:
        snapshot_from_json(snapshot, "client.snapshot.json")
    assert said in str(caught.value)
    assert "client.snapshot.json" in str(caught.value)


def test_a_snapshot_with_campaigns_not_a_list_exits_2(replayed, tmp_path):
    _, _, path = replayed
    snapshot = json.loads(path.read_text(encoding="utf-8"))
    snapshot["campaigns"] = {"71": CAMPAIGNS[0]}
    bad = tmp_path / "bad.snapshot.json"
    bad.write_text(json.dumps(snapshot), encoding="utf-8")
    config = demo_client(tmp_path)
    result = CliRunner().invoke(main, ["check", str(config), "--from-snapshot", str(bad)])
    assert result.exit_code == 2
    assert "campaigns must be a list of campaign objects" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_snapshot_round_trips_the_rows(replayed):
    _, result, path = replayed
    data = snapshot_from_json(json.loads(path.read_text(encoding="utf-8")), "s.json")
    assert data.campaigns[0] == CampaignSend(
        "71", "Vuelta al cole <b>2026</b>", date(2026, 9, 2), 4000, 104
    )
    assert len(result["snapshot"]["campaigns"]) == len(CAMPAIGNS)  # written back as read
