"""The connector contract (docs/connectors.md), for every registered connector and the example plugin.

Every connector declares which catalog base metrics it measures and why it
cannot measure the rest; its options reject unknown keys with file:line; a
missing credential variable is a bad input (exit 2) that names the variable.
The example plugin in examples/connector-plugin is imported from its folder
(nothing is installed) and held to the same contract.  The timestamp rules
every connector relies on (timeutil) are checked here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
import responses
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from auditor.cli.main import main
from auditor.config.loader import load_config
from auditor.connectors import registry
from auditor.connectors.base import (
    Connector,
    ConnectorOptions,
    EnvVarName,
    HttpOptions,
    contract_problems,
)
from auditor.connectors.file import FileConnector, FileOptions
from auditor.connectors.timeutil import (
    month_bounds,
    month_of,
    months_between,
    parse_instant,
    period_bounds,
    to_epoch_ms,
    to_iso_z,
)
from auditor.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_SOURCE,
    InputError,
    SourceAuthError,
    SourceResponseError,
)
from auditor.core.models import SourceData
from auditor.core.period import Month
from auditor.metrics.catalog import BASE_BY_ID
from tests.helpers import CONFIG, ROOT, q3_data, write_wide_csv

EXAMPLE = ROOT / "examples" / "connector-plugin"
EXAMPLE_REF = "auditor_eventlog:EventLogConnector"
EVENTS_URL = "https://events.example.test"
TOKEN = "evt-SECRET-123456"


@pytest.fixture
def example(monkeypatch):
    """The example plugin importable (as if installed) and registered as `eventlog`."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.setitem(registry._BUILTIN, "eventlog", EXAMPLE_REF)
    import auditor_eventlog

    return auditor_eventlog


def _registered() -> list[str]:
    return sorted(registry.available())


def _all_names() -> list[str]:
    return sorted({*_registered(), "eventlog"})


# --- declarations ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", _all_names())
def test_connector_declares_every_base_metric_exactly_once(example, name):
    cls = registry.load(name)
    assert contract_problems(cls, name) == []
    measured, missing = set(cls.metrics), set(cls.not_measured)
    assert measured | missing == set(BASE_BY_ID)
    assert not measured & missing
    assert all(reason.strip() for reason in cls.not_measured.values())
    assert set(cls.metric_sources) <= measured


@pytest.mark.parametrize("name", _all_names())
def test_connector_options_forbid_unknown_keys_with_file_and_line(example, tmp_path, name):
    path = tmp_path / "audit.yaml"
    path.write_text(
        f"client: X\nperiod: 2026-Q3\nsource:\n  connector: {name}\n  bogus_option: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_config(path)
    shown = [str(p).replace(f"{tmp_path}/", "") for p in caught.value.problems]
    assert any(p.startswith("audit.yaml:5:3: source.bogus_option: unknown key") for p in shown)


def _http_connectors() -> list[str]:
    names = []
    for name in _registered():
        cls = registry.load(name)
        if issubclass(cls.Options, HttpOptions):
            names.append(name)
    return sorted({*names, "eventlog"})


@pytest.mark.parametrize("name", _http_connectors())
def test_http_connector_missing_credential_variable_is_bad_input(example, monkeypatch, name):
    cls = registry.load(name)
    assert "base_url" in cls.Options.model_fields
    needed = {  # what names the instance or account, where there is no default
        "marketo": {"base_url": EVENTS_URL},
        "pardot": {"business_unit_id": "0Uv5g000000AbCdCAK", "login_url": EVENTS_URL},
    }.get(name, {})
    try:
        options = cls.Options.model_validate(needed)
    except ValidationError:
        options = cls.Options.model_validate({**needed, "base_url": EVENTS_URL})
    variables = [getattr(options, f) for f in cls.Options.model_fields if f.endswith("_env")]
    assert variables, "an HTTP connector names its credential variable in a *_env option"
    for variable in variables:
        monkeypatch.delenv(variable, raising=False)
    # nothing registered with responses: any request would fail with exit 3, not 2
    with responses.RequestsMock(), pytest.raises(InputError) as caught:
        cls(options, Path("."), "UTC").check()
    assert caught.value.exit_code == EXIT_BAD_INPUT
    assert any(variable in str(caught.value) for variable in variables)


def test_registry_refuses_a_connector_declaring_unknown_metrics(monkeypatch):
    monkeypatch.setitem(registry._BUILTIN, "badmetrics", f"{__name__}:BadMetrics")
    with pytest.raises(InputError, match="unknown base metric ids: open_rate, emails_sentt"):
        registry.load("badmetrics")


def test_registry_refuses_contradictions_and_a_wrong_name(monkeypatch):
    monkeypatch.setitem(registry._BUILTIN, "other", f"{__name__}:Contradictory")
    with pytest.raises(InputError) as caught:
        registry.load("other")
    message = str(caught.value)
    assert "registered as 'other' but its name is 'contradictory'" in message
    assert "both measured and not measured: mqls" in message
    assert "not_measured needs a reason for: sqls" in message


def test_registry_reports_an_import_failure_without_a_traceback(monkeypatch):
    monkeypatch.setitem(registry._BUILTIN, "ghost", "auditor_ghost_plugin:GhostConnector")
    with pytest.raises(InputError) as caught:
        registry.load("ghost")
    assert str(caught.value) == (
        "connector 'ghost' (auditor_ghost_plugin:GhostConnector) failed to import: "
        "ModuleNotFoundError: No module named 'auditor_ghost_plugin'; reinstall or uninstall "
        "the package that provides it"
    )


def test_an_incomplete_older_plugin_still_loads_but_is_flagged(monkeypatch):
    monkeypatch.setitem(registry._BUILTIN, "partial", f"{__name__}:Partial")
    cls = registry.load("partial")
    assert contract_problems(cls, "partial", complete=False) == []
    (problem,) = contract_problems(cls, "partial")
    assert problem.startswith("neither in metrics nor in not_measured")


# --- options --------------------------------------------------------------------------------


def _config(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "audit.yaml"
    path.write_text(f"client: X\nperiod: 2026-Q3\nsource:\n{source}", encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_config(path)
    return [str(p).replace(f"{path.parent}/", "") for p in caught.value.problems]


def test_credential_option_takes_a_variable_name_and_never_echoes_a_value(example, tmp_path):
    path = _config(
        tmp_path, f"  connector: eventlog\n  base_url: {EVENTS_URL}\n  token_env: {TOKEN}\n"
    )
    (problem,) = _problems(path)
    assert problem.startswith("audit.yaml:6:14: source.token_env: expected the NAME of an")
    assert TOKEN not in problem


def test_a_pasted_token_key_is_an_unknown_key_without_its_value(example, tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTLOG_TOKEN", TOKEN)
    path = _config(
        tmp_path, f"  connector: eventlog\n  base_url: {EVENTS_URL}\n  token: ${{EVENTLOG_TOKEN}}\n"
    )
    (problem,) = _problems(path)
    assert problem == "audit.yaml:6:3: source.token: unknown key (did you mean 'token_env'?)"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://events.example.test", "expected an http:// or https:// URL"),
        ("events.example.test", "expected an http:// or https:// URL"),
        ("https://user:pw-SECRET@events.example.test", "must not carry credentials"),
        ("https://events.example.test/?key=1", "must not have a query"),
    ],
)
def test_base_url_must_be_a_plain_http_url(example, tmp_path, url, expected):
    path = _config(tmp_path, f"  connector: eventlog\n  base_url: '{url}'\n")
    (problem,) = _problems(path)
    assert problem.startswith("audit.yaml:5:13: source.base_url: ")
    assert expected in problem
    assert "SECRET" not in problem


def test_base_url_loses_its_trailing_slash():
    assert (
        HttpOptions(base_url="http://127.0.0.1:8080/api/").base_url == "http://127.0.0.1:8080/api"
    )
    assert HttpOptions().base_url is None


def test_missing_credential_exits_2_naming_the_variable(example, tmp_path, monkeypatch):
    monkeypatch.delenv("EVENTLOG_TOKEN", raising=False)
    path = _config(tmp_path, f"  connector: eventlog\n  base_url: {EVENTS_URL}\n")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "environment variable EVENTLOG_TOKEN (named by source.token_env) is not set" in (
        result.stderr
    )


def test_blank_credential_is_also_bad_input(example, monkeypatch):
    monkeypatch.setenv("EVENTLOG_TOKEN", "  ")
    options = example.EventLogOptions(base_url=EVENTS_URL)
    with pytest.raises(InputError, match=r"EVENTLOG_TOKEN .* is empty"):
        example.EventLogConnector(options, Path("."), "UTC").check()


# --- the example plugin, end to end ----------------------------------------------------------


def _event(kind: str, when: str) -> dict[str, str]:
    return {"type": kind, "occurred_at": when}


@pytest.fixture
def events_api(example, monkeypatch):
    monkeypatch.setenv("EVENTLOG_TOKEN", TOKEN)
    with responses.RequestsMock() as mock:
        yield mock


def _connector(example, tz: str = "Europe/Madrid", sleep=None):
    options = example.EventLogOptions(base_url=EVENTS_URL, page_size=2)
    return example.EventLogConnector(
        options, Path("."), tz, sleep=sleep or (lambda s: None), clock=lambda: 0.0
    )


def test_example_fetch_counts_events_by_month_in_the_config_timezone(example, events_api):
    events_api.get(
        f"{EVENTS_URL}/v1/events",
        json={
            "data": [
                _event("email.sent", "2026-07-01T08:00:00+02:00"),
                _event("email.sent", 1785540600000),  # 2026-07-31T23:30:00Z: August in Madrid
            ],
            "next": "page-2",
        },
    )
    events_api.get(
        f"{EVENTS_URL}/v1/events",
        json={
            "data": [
                _event("lead.created", "2026-08-15"),
                _event("webinar.attended", "2026-08-15T10:00:00Z"),  # not a metric: ignored
            ],
            "next": None,
        },
    )
    data = _connector(example).fetch(["2026-07", "2026-08"])
    assert data.monthly == {
        "2026-07": {
            "emails_sent": 1,
            "bounces": 0,
            "unsubscribes": 0,
            "conversions": 0,
            "leads_new": 0,
        },
        "2026-08": {
            "emails_sent": 1,
            "bounces": 0,
            "unsubscribes": 0,
            "conversions": 0,
            "leads_new": 1,
        },
    }
    first = events_api.calls[0].request
    assert first.params == {
        "since": "2026-06-30T22:00:00Z",
        "until": "2026-08-31T22:00:00Z",
        "limit": "2",
    }
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert events_api.calls[1].request.params["after"] == "page-2"
    assert data.connector == "eventlog"
    assert dict(data.not_measured) == dict(example.EventLogConnector.not_measured)
    assert data.provenance["ignored"] == {"webinar.attended": 1}
    assert data.provenance["http"]["requests"] == 2
    assert data.provenance["http"]["pages"] == 2


def test_example_empty_log_leaves_metrics_undefined_not_zero(example, events_api):
    events_api.get(f"{EVENTS_URL}/v1/events", json={"data": [], "next": None})
    data = _connector(example).fetch(["2026-07"])
    assert data.monthly == {}
    assert data.not_measured["emails_sent"] == "the event log has no events in the period"
    assert set(data.not_measured) == set(BASE_BY_ID)


def test_example_check_and_refused_token(example, events_api):
    events_api.get(f"{EVENTS_URL}/v1/me", json={"account": "Acme Corp"})
    assert _connector(example).check() == f"account Acme Corp at {EVENTS_URL}"
    events_api.get(f"{EVENTS_URL}/v1/me", status=401, body=f"bad token {TOKEN}")
    with pytest.raises(SourceAuthError) as caught:
        _connector(example).check()
    assert caught.value.exit_code == EXIT_SOURCE
    assert "EVENTLOG_TOKEN" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_example_retries_through_the_shared_client(example, events_api):
    slept: list[float] = []
    events_api.get(f"{EVENTS_URL}/v1/me", status=429, headers={"Retry-After": "2"})
    events_api.get(f"{EVENTS_URL}/v1/me", json={"account": "Acme Corp"})
    connector = _connector(example, sleep=slept.append)
    assert connector.check().startswith("account Acme Corp")
    assert slept == [2.0]


# --- the file connector and the runner ---------------------------------------------------------


def test_file_connector_check_says_what_the_file_holds(client_dir):
    connector = FileConnector(FileOptions(path="data.csv"), client_dir, "UTC")
    assert connector.check() == (
        "data.csv: CSV (wide form), 6 months (2026-04 to 2026-09), 28 of 31 base metrics present"
    )


def test_runner_passes_the_config_timezone(client_dir, monkeypatch):
    from auditor.pipeline.runner import audit_file

    monkeypatch.setitem(registry._BUILTIN, "recorder", f"{__name__}:Recorder")
    config = client_dir / "audit.yaml"
    config.write_text(
        CONFIG.replace("connector: file\n  path: data.csv", "connector: recorder")
        + "timezone: Europe/Madrid\n",
        encoding="utf-8",
    )
    Recorder.seen.clear()
    result = audit_file(config)
    assert Recorder.seen == ["Europe/Madrid"]
    assert result.source["connector"] == "recorder"


def test_config_rejects_an_empty_timezone(client_dir):
    config = client_dir / "audit.yaml"
    config.write_text(CONFIG + 'timezone: ""\n', encoding="utf-8")
    assert "audit.yaml:9:1: timezone: unknown time zone ''" in _problems(config)[0]


# --- timestamps to months (timeutil) -----------------------------------------------------------


def test_late_evening_utc_on_the_last_day_belongs_to_the_next_month_in_madrid():
    assert month_of("2026-01-31T23:30:00Z", "Europe/Madrid") == "2026-02"
    assert month_of("2026-01-31T23:30:00Z", "UTC") == "2026-01"
    assert month_of("2026-01-31T23:30:00Z") == "2026-01"
    # in summer Madrid is UTC+2: 22:30Z on 31 July is already August
    assert month_of("2026-07-31T22:30:00Z", "Europe/Madrid") == "2026-08"
    assert month_of("2026-07-31T21:59:59Z", "Europe/Madrid") == "2026-07"


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-31T23:30:00Z",
        "2026-01-31T23:30:00.250z",
        "2026-01-31T18:30:00-05:00",
        "2026-02-01T00:30:00+01:00",
        1769902200,  # epoch seconds
        1769902200000,  # epoch milliseconds
        "1769902200",
        "1769902200000",
        1769902200.5,
        datetime(2026, 1, 31, 23, 30, tzinfo=UTC),
    ],
)
def test_every_timestamp_form_lands_in_the_same_month(value):
    assert month_of(value, "Europe/Madrid") == "2026-02"
    assert month_of(value, "UTC") == "2026-01"


def test_date_only_values_are_calendar_dates_in_any_zone():
    for tz in ("UTC", "Europe/Madrid", "Pacific/Kiritimati", "America/Los_Angeles"):
        assert month_of("2026-01-31", tz) == "2026-01"
        assert month_of(date(2026, 1, 31), tz) == "2026-01"


def test_date_properties_stored_as_midnight_utc_keep_their_date():
    # HubSpot closedate: 1 March as 00:00Z would be 28 February in New York.
    assert month_of("2026-03-01T00:00:00Z", "America/New_York") == "2026-02"
    assert month_of("2026-03-01T00:00:00Z", "America/New_York", as_date=True) == "2026-03"
    assert month_of(1772323200000, "America/New_York", as_date=True) == "2026-03"


def test_naive_datetimes_are_wall_time_in_the_audit_zone_unless_told():
    assert month_of("2026-01-31T23:30:00", "Europe/Madrid") == "2026-01"
    assert month_of("2026-01-31T23:30:00", "Europe/Madrid", naive_tz="UTC") == "2026-02"
    assert parse_instant("2026-01-31 23:30:00", "Europe/Madrid") == datetime(
        2026, 1, 31, 22, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "value", ["yesterday", "", "2026-02-30", "2026-13-01T00:00:00Z", True, None]
)
def test_unreadable_timestamps_are_source_errors(value):
    with pytest.raises(SourceResponseError, match="unreadable timestamp") as caught:
        month_of(value, "UTC")
    assert caught.value.exit_code == EXIT_SOURCE


def test_epoch_unit_can_be_forced():
    assert month_of(1769902200, unit="s") == "2026-01"
    assert month_of(1769902200, unit="ms") == "1970-01"


def test_month_bounds_across_the_spring_dst_change_in_madrid():
    start, end = month_bounds("2026-03", "Europe/Madrid")
    assert (start, end) == (
        datetime(2026, 2, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 31, 22, tzinfo=UTC),
    )
    assert end - start == timedelta(days=31, hours=-1)  # the month lost an hour
    # DST starts 2026-03-29 at 01:00Z: both sides are March, the end is excluded
    assert month_of("2026-03-29T00:59:59Z", "Europe/Madrid") == "2026-03"
    assert month_of("2026-03-29T01:00:00Z", "Europe/Madrid") == "2026-03"
    assert month_of(end - timedelta(seconds=1), "Europe/Madrid") == "2026-03"
    assert month_of(end, "Europe/Madrid") == "2026-04"


def test_month_bounds_across_the_autumn_dst_change():
    start, end = month_bounds("2026-10", "Europe/Madrid")
    assert (start, end) == (
        datetime(2026, 9, 30, 22, tzinfo=UTC),
        datetime(2026, 10, 31, 23, tzinfo=UTC),
    )
    assert end - start == timedelta(days=31, hours=1)
    start, end = month_bounds("2026-11", "America/New_York")  # EDT ends 1 November
    assert (start, end) == (
        datetime(2026, 11, 1, 4, tzinfo=UTC),
        datetime(2026, 12, 1, 5, tzinfo=UTC),
    )
    assert month_bounds("2026-02", "UTC") == (
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 3, 1, tzinfo=UTC),
    )


def test_period_bounds_and_api_representations():
    start, end = period_bounds(["2026-09", "2026-07", "2026-08"], "Europe/Madrid")
    assert to_iso_z(start) == "2026-06-30T22:00:00Z"
    assert to_iso_z(end) == "2026-09-30T22:00:00Z"
    assert to_epoch_ms(start) == 1782856800000
    assert to_epoch_ms(end) - 1 == 1790805599999  # for APIs whose BETWEEN includes both ends
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    with pytest.raises(ValueError, match="needs an aware datetime"):
        to_iso_z(datetime(2026, 1, 1))


ZONES = ["UTC", "Europe/Madrid", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    st.sampled_from(ZONES),
)
def test_every_instant_is_in_the_month_whose_bounds_hold_it(naive, tz):
    instant = naive.replace(tzinfo=UTC)
    month = month_of(instant, tz)
    start, end = month_bounds(month, tz)
    assert start <= instant < end


# --- connectors used above -------------------------------------------------------------------


class BadMetrics(Connector):
    """Declares a KPI and a typo as base metrics."""

    name: ClassVar[str] = "badmetrics"
    description: ClassVar[str] = "bad"
    metrics: ClassVar[tuple[str, ...]] = ("open_rate", "emails_sentt")

    def fetch(self, months: Sequence[Month]) -> SourceData:
        raise NotImplementedError

    def check(self) -> str:
        return "ok"


class Contradictory(BadMetrics):
    """Says mqls both ways and gives no reason for sqls."""

    name: ClassVar[str] = "contradictory"
    metrics: ClassVar[tuple[str, ...]] = ("mqls",)
    not_measured: ClassVar[dict[str, str]] = {"mqls": "no CRM", "sqls": " "}


class Partial(BadMetrics):
    """Written for an older catalog: says nothing about most metrics."""

    name: ClassVar[str] = "partial"
    metrics: ClassVar[tuple[str, ...]] = ("emails_sent",)


class RecorderOptions(ConnectorOptions):
    """No options but a harmless variable name."""

    token_env: EnvVarName = "RECORDER_TOKEN"


class Recorder(Connector):
    """Records the time zone it was given and returns the Q3 test data."""

    name: ClassVar[str] = "recorder"
    description: ClassVar[str] = "records its time zone"
    Options: ClassVar[type[ConnectorOptions]] = RecorderOptions
    metrics: ClassVar[tuple[str, ...]] = tuple(BASE_BY_ID)
    seen: ClassVar[list[str]] = []

    def fetch(self, months: Sequence[Month]) -> SourceData:
        Recorder.seen.append(self.timezone)
        return self.source_data(q3_data(), label="recorded")

    def check(self) -> str:
        return "ok"


def test_helpers_write_csv(tmp_path):  # keeps the shared helper import honest
    write_wide_csv(tmp_path / "d.csv", q3_data())
    assert (tmp_path / "d.csv").read_text(encoding="utf-8").startswith("month,")
