"""The audit config: every class of bad input is a located message, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.config.loader import load_config
from auditor.config.schema import slugify
from auditor.core.errors import InputError
from tests.helpers import CONFIG


def load(tmp_path: Path, text: str, period: str | None = None):
    path = tmp_path / "audit.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "data.csv").touch()
    return load_config(path, period)


def problems(tmp_path: Path, text: str, period: str | None = None) -> list[str]:
    with pytest.raises(InputError) as info:
        load(tmp_path, text, period)
    return [str(p).replace(str(tmp_path) + "/", "") for p in info.value.problems]


def test_valid_config(tmp_path):
    config = load(tmp_path, CONFIG)
    assert config.client == "Aceros del Sur"
    assert config.slug == "aceros-del-sur"
    assert config.period.label == "2026-Q3"
    assert config.costs["platform"] == 3000
    assert config.gross_margin == 0.5
    assert config.packs == ("default",)
    assert config.connector.name == "file"


def test_period_override(tmp_path):
    assert load(tmp_path, CONFIG, "2026-07").period.months == ("2026-07",)


def test_slugify():
    assert slugify("Suministros Industriales Ebro, S.L.") == "suministros-industriales-ebro-s-l"
    assert slugify("Ñandú & Cía") == "nandu-cia"
    # no letter or digit: 'client-' and a hash of the name, so two such names still differ
    assert slugify("***").startswith("client-")
    assert slugify("***") != slugify("!!!")


def test_unknown_key_did_you_mean(tmp_path):
    assert problems(tmp_path, CONFIG + "langauge: es\n") == [
        "audit.yaml:9:1: langauge: unknown key (did you mean 'language'?)"
    ]


def test_unknown_nested_key_lists_expected(tmp_path):
    text = CONFIG.replace("finance: {gross_margin: 0.5}", "finance: {margin: 0.5}")
    assert problems(tmp_path, text) == [
        "audit.yaml:8:11: finance.margin: unknown key (did you mean 'gross_margin'?)"
    ]


def test_missing_env_var_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("AUDITOR_TEST_TOKEN", raising=False)
    text = CONFIG.replace("client: Aceros del Sur", "client: ${AUDITOR_TEST_TOKEN}")
    assert problems(tmp_path, text) == [
        "audit.yaml:1:9: client: environment variable AUDITOR_TEST_TOKEN is not set (used as ${AUDITOR_TEST_TOKEN})"
    ]


def test_env_var_expansion(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDITOR_TEST_CLIENT", "Hierros Norte")
    config = load(
        tmp_path, CONFIG.replace("client: Aceros del Sur", "client: ${AUDITOR_TEST_CLIENT} SA")
    )
    assert config.client == "Hierros Norte SA"


@pytest.mark.parametrize(
    ("period", "fragment"),
    [
        ("2026-Q5", "audit.yaml:2:9: period: '2026-Q5' is not a period; expected"),
        ("2026-13", "audit.yaml:2:9: period: '2026-13' has no month 13"),
        ("{start: 2026-07-02, end: 2026-09-30}", "must be the first day of a month"),
    ],
)
def test_bad_period(tmp_path, period, fragment):
    errors = problems(tmp_path, CONFIG.replace("period: 2026-Q3", f"period: {period}"))
    assert len(errors) == 1
    assert fragment in errors[0]


def test_bad_period_override(tmp_path):
    assert problems(tmp_path, CONFIG, "Q3") == [
        "--period: 'Q3' is not a period; expected '2026-Q3', '2026-H2', '2026-07', '2026' or "
        "{start: 2026-07-01, end: 2026-09-30}"
    ]


def test_missing_period(tmp_path):
    assert problems(tmp_path, CONFIG.replace("period: 2026-Q3\n", "")) == [
        "audit.yaml:1:1: period: no period: set 'period:' (e.g. 2026-Q3) or pass --period"
    ]


def test_unknown_connector_lists_installed(tmp_path):
    errors = problems(tmp_path, CONFIG.replace("connector: file", "connector: mailchimpp"))
    assert errors == [
        "audit.yaml:5:3: source.connector: unknown connector 'mailchimpp' (did you mean 'mailchimp'?); "
        "installed connectors: activecampaign, brevo, file, hubspot, klaviyo, mailchimp, marketo, pardot, warehouse"
    ]


def test_connector_option_typo(tmp_path):
    errors = problems(tmp_path, CONFIG.replace("path: data.csv", "pth: data.csv"))
    assert "audit.yaml:6:3: source.pth: unknown key (did you mean 'path'?)" in errors
    assert "audit.yaml:4:1: source.path: required key is missing" in errors


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "platform: 3000",
            "platform: -5",
            "audit.yaml:7:34: costs.platform: input should be greater than or equal to 0, got -5",
        ),
        ("platform: 3000", "platform: lots", "costs.platform: expected a number, got 'lots'"),
        (
            "gross_margin: 0.5",
            "gross_margin: 55",
            "audit.yaml:8:25: finance.gross_margin: input should be less than or equal to 1, got 55",
        ),
        (
            "platform: 3000",
            "platform: true",
            "costs.platform: expected a number, got a true/false value",
        ),
        ("currency: EUR", "currency: euro", "costs.currency: currency must be an ISO 4217 code"),
        (
            "language: en",
            "language: fr",
            "audit.yaml:3:11: language: input should be 'es' or 'en', got 'fr'",
        ),
    ],
)
def test_bad_values(tmp_path, old, new, expected):
    errors = problems(tmp_path, CONFIG.replace(old, new))
    assert len(errors) == 1
    assert expected in errors[0]


def test_all_problems_reported_at_once(tmp_path):
    text = (
        CONFIG.replace("language: en", "language: fr").replace(
            "gross_margin: 0.5", "gross_margin: 2"
        )
        + "extra: 1\n"
    )
    assert len(problems(tmp_path, text)) == 3


def test_unknown_target_metric(tmp_path):
    errors = problems(tmp_path, CONFIG + "targets: {customers: 40}\n")
    assert errors == [
        "audit.yaml:9:11: targets.customers: unknown metric id (did you mean 'customers_new'?)"
    ]


def test_logo_must_exist(tmp_path):
    errors = problems(tmp_path, CONFIG + "report: {logo: missing.png}\n")
    assert len(errors) == 1
    assert "report.logo: logo file not found" in errors[0]


def test_bad_accent_colour(tmp_path):
    errors = problems(tmp_path, CONFIG + "report: {accent: 'red;background:url(x)'}\n")
    assert "report.accent: accent must be a hex colour" in errors[0]


def test_yaml_syntax_error(tmp_path):
    errors = problems(tmp_path, CONFIG + "costs: [\n")
    assert errors[0].startswith("audit.yaml:")
    assert "invalid YAML" in errors[0]


def test_duplicate_key(tmp_path):
    assert problems(tmp_path, CONFIG + "client: Otro\n") == [
        "audit.yaml:9:1: client: duplicate key 'client'"
    ]


def test_not_a_mapping(tmp_path):
    assert "must be a mapping" in problems(tmp_path, "- a\n- b\n")[0]


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_logo_outside_config_folder_is_refused(tmp_path):
    outside = tmp_path.parent / "outside-logo.png"
    outside.write_bytes(b"x")
    errors = problems(tmp_path, CONFIG + f"report: {{logo: {outside}}}\n")
    assert errors == [
        "audit.yaml:9:16: report.logo: the logo must be a file inside the config's folder "
        "(the report may read nothing else from this machine)"
    ]
    errors = problems(tmp_path, CONFIG + "report: {logo: ../outside-logo.png}\n")
    assert "inside the config's folder" in errors[0]


def test_logo_inside_config_folder(tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # a PNG's start
    config = load(tmp_path, CONFIG + "report: {logo: assets/logo.png, agency: Demo}\n")
    assert config.report.logo == (tmp_path / "assets" / "logo.png").resolve()
