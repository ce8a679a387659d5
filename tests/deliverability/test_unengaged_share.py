"""The unengaged share: the platform's own count of unengaged contacts among those ever
emailed (HubSpot's graymail rule), judged against the project's lines (warn above 25 %,
fail above 50 %, from 100 mailed), in the findings and the report section, and carried
by the snapshot."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from click.testing import CliRunner

from auditor.cli.main import main
from auditor.connectors.hubspot.engagement import DEFINITION
from auditor.connectors.snapshot import snapshot_from_json
from auditor.core.errors import InputError
from auditor.core.models import Engagement
from auditor.deliverability.engagement import UnengagedShare
from auditor.outputs.report.html import render_html
from tests.deliverability.test_campaign_bounces import check, demo_client


def share(mailed: int, unengaged: int) -> UnengagedShare:
    return UnengagedShare(Engagement("hubspot", date(2026, 11, 15), mailed, unengaged, DEFINITION))


@pytest.mark.parametrize(
    ("mailed", "unengaged", "status"),
    [
        (1000, 250, "pass"),  # exactly 25 %: "above" is not reached
        (1000, 251, "warn"),
        (1000, 500, "warn"),  # exactly 50 %
        (1000, 501, "fail"),
        (100, 100, "fail"),  # 100 mailed is judged
        (99, 99, "unknown"),  # under 100: shown, not judged
        (0, 0, "unknown"),
    ],
)
def test_the_lines_are_above_25_and_50_percent_from_100_mailed(mailed, unengaged, status):
    assert share(mailed, unengaged).status == status


def test_nobody_mailed_has_no_share():
    assert share(0, 0).share is None
    assert share(0, 0).to_json()["share"] is None
    assert share(1000, 251).to_json()["share"] == pytest.approx(0.251)


ENGAGEMENT = {
    "platform": "hubspot",
    "as_of": "2026-11-15",
    "contacts_emailed": 8000,
    "contacts_unengaged": 3100,
    "definition": DEFINITION,
}


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, dict, dict]:
    folder = tmp_path_factory.mktemp("engagement")
    config = demo_client(folder)
    _, plain = check(config)
    snapshot = dict(plain["snapshot"], connector="hubspot", engagement=ENGAGEMENT)
    path = folder / "hubspot.snapshot.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    _, result = check(config, "--from-snapshot", str(path))
    _, english = check(config, "--from-snapshot", str(path), "--lang", "en")
    return plain, result, snapshot, english


def test_the_audit_shows_the_share_without_moving_a_score(replayed):
    plain, result, *_ = replayed
    assert result["scores"] == plain["scores"]
    (finding,) = [f for f in result["findings"] if f["rule"] == "deliverability-unengaged-share"]
    assert finding["status"] == "warn"  # 38.75 %
    assert finding["weight"] == 0
    assert finding["message"] == (
        "3100 de 8000 contactos a los que se ha enviado email (38,8\u00a0%) ya no interactúan "
        "según la regla de HubSpot (nunca abrió ni hizo clic y lleva 11 envíos o más, o lleva "
        "16 o más desde su última apertura o clic); recuento del 15 nov 2026"
    ).replace("3100", "3.100").replace("8000", "8.000")
    engagement = result["analysis"]["deliverability"]["engagement"]
    assert engagement["detail"] == finding["message"]  # the same words in every output
    assert (engagement["contacts_emailed"], engagement["contacts_unengaged"]) == (8000, 3100)
    assert engagement["sources"][0]["key"] == "hubspot-graymail"


def test_the_report_block_reads_in_each_language(replayed):
    _, spanish, _, english = replayed
    for result, language, words, foreign in (
        (spanish, "es", ("Contactos que ya no interactúan", "38,8 %", "AVISO"), ("Unengaged",)),
        (
            english,
            "en",
            ("Unengaged contacts", "38.8%", "WARN", "counted on 15 Nov 2026"),
            ("según",),
        ),
    ):
        html = render_html(result, language=language)
        part = html[html.index('id="sec-deliverability"') :]
        text = " ".join(re.sub(r"<[^>]+>", " ", part).split()).replace("\u00a0", " ")
        for word in words:
            assert word in text, (language, word)
        for word in foreign:
            assert word not in text, (language, word)
        assert "Understand graymail and avoid sending email to unengaged contacts" in text


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"contacts_unengaged": 9000}, "unengaged at most emailed"),
        ({"as_of": "15/11/2026"}, "as_of (YYYY-MM-DD)"),
        ({"contacts_emailed": -5}, "whole numbers >= 0"),
        ({"platform": None}, "engagement must be an object"),
    ],
)
def test_a_malformed_engagement_is_refused_naming_it(replayed, change, said):
    _, _, snapshot, _ = replayed
    bad = dict(snapshot, engagement=dict(ENGAGEMENT, **change))
    with pytest.raises(InputError) as caught:
        snapshot_from_json(bad, "client.snapshot.json")
    assert said in str(caught.value)
    assert "client.snapshot.json" in str(caught.value)


def test_the_snapshot_round_trips_it(replayed):
    _, result, *_ = replayed
    assert result["snapshot"]["engagement"] == ENGAGEMENT
    data = snapshot_from_json(result["snapshot"], "s.json")
    assert data.engagement == Engagement("hubspot", date(2026, 11, 15), 8000, 3100, DEFINITION)


def test_a_malformed_engagement_exits_2_without_a_traceback(replayed, tmp_path):
    _, _, snapshot, _ = replayed
    bad = tmp_path / "bad.snapshot.json"
    bad.write_text(json.dumps(dict(snapshot, engagement=[1, 2])), encoding="utf-8")
    config = demo_client(tmp_path)
    result = CliRunner().invoke(main, ["check", str(config), "--from-snapshot", str(bad)])
    assert result.exit_code == 2
    assert "engagement must be an object" in result.stderr
    assert "Traceback" not in result.stderr
