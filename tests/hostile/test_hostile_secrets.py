"""Issue 10: secrets in messages, the fetch deadline, and keys that look like paths.

A credential reaches the auditor only through the environment.  Whatever a
user puts where (the token instead of its variable's name, `${SECRET}` in a
field that is printed, a token pasted into a config), no message may show it.
An API that never answers must not hold a run longer than `source.deadline`.
A key such as `foo[0]` is a key, reported at its own line.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
import requests
import responses
from pydantic import BaseModel, ConfigDict, ValidationError

from auditor.connectors import registry
from auditor.connectors.base import DEFAULT_DEADLINE, read_secret
from auditor.connectors.http import HttpClient, HttpPolicy
from auditor.core.errors import InputError, SourceUnavailableError
from auditor.core.redaction import hide_environment, is_credential_name, looks_like_credential
from auditor.core.validation import problems_from
from auditor.core.yamlpos import Located, format_path
from tests import helpers
from tests.helpers import q3_data, write_wide_csv
from tests.helpers.hostile import (
    PLANTED_SECRET,
    PLANTED_VARIABLE,
    Outcome,
    assert_clean_failure,
    assert_no_secret,
    hostile_run,
)

REFERENCE = f"${{{PLANTED_VARIABLE}}}"
# A token that is also a valid variable name (hex starting with a letter): the case.
HEX_TOKEN = "abcdef0123456789abcdef0123456789abcdef01"
# A value that is not a credential but must still not be echoed from ${...}.
WORDS_VARIABLE = "AUDITOR_TEST_WORDS"
WORDS = "correct horse battery staple"

BASE = """\
client: Aceros del Sur
period: 2026-Q3
language: en
timezone: UTC
"""
FILE_SOURCE = "source:\n  connector: file\n  path: data.csv\n"


def _folder(tmp_path: Path, text: str) -> Path:
    (tmp_path / "audit.yaml").write_text(text, encoding="utf-8")
    write_wide_csv(tmp_path / "data.csv", q3_data())
    return tmp_path


def _check(folder: Path, env: dict[str, str] | None = None, timeout: float = 60) -> Outcome:
    return hostile_run(
        "check", "audit.yaml", cwd=folder, out_dir=folder / "out", env=env, timeout=timeout
    )


# --- the token instead of its variable's name ---------------------------------------------


def test_token_env_given_the_token_by_expansion_names_the_mistake_not_the_token(tmp_path):
    """`token_env: ${AC_TOKEN}` printed a hex token twice ("environment variable abc... is not set")."""
    folder = _folder(
        tmp_path,
        BASE + "source:\n  connector: activecampaign\n  account_url: http://127.0.0.1:9\n"
        "  token_env: ${AC_TOKEN}\n",
    )
    outcome = _check(folder, env={"AC_TOKEN": HEX_TOKEN})
    assert_clean_failure(outcome)
    assert_no_secret(outcome, HEX_TOKEN)
    assert (
        "audit.yaml:8:14: source.token_env: token_env must be the NAME of an environment "
        "variable (e.g. AC_TOKEN), not its value: write 'token_env: AC_TOKEN', not "
        "'token_env: ${AC_TOKEN}'" in outcome.stderr
    )


def test_token_env_may_expand_to_the_name_of_a_set_variable(tmp_path, monkeypatch):
    """`token_env: ${WHICH}` with WHICH=AC_KEY names AC_KEY: allowed (and then read)."""
    from auditor.config.loader import load_config

    monkeypatch.setenv("WHICH", "AC_KEY")
    monkeypatch.setenv("AC_KEY", HEX_TOKEN)
    monkeypatch.setenv("AC_TOKEN", HEX_TOKEN)
    folder = _folder(
        tmp_path,
        BASE + "source:\n  connector: activecampaign\n  account_url: http://127.0.0.1:9\n"
        "  token_env: ${WHICH}\n",
    )
    assert load_config(folder / "audit.yaml").connector_options.token_env == "AC_KEY"
    folder.joinpath("audit.yaml").write_text(
        BASE + "source:\n  connector: activecampaign\n  token_env: ${AC_TOKEN}\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as caught:
        load_config(folder / "audit.yaml")
    assert HEX_TOKEN not in str(caught.value)
    assert "token_env must be the NAME of an environment variable (e.g. AC_TOKEN)" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("connector", "option"),
    [("hubspot", "token_env"), ("mailchimp", "api_key_env"), ("activecampaign", "token_env")],
)
def test_a_token_pasted_into_a_variable_option_is_refused_unseen(tmp_path, connector, option):
    """The planted secret is a valid variable name; it used to be echoed as one."""
    folder = _folder(
        tmp_path,
        BASE + f"source:\n  connector: {connector}\n  {option}: {PLANTED_SECRET}\n",
    )
    outcome = _check(folder)
    assert_clean_failure(outcome)
    assert f"source.{option}: expected the NAME of an environment variable" in outcome.stderr


def test_a_variable_option_equal_to_a_variables_value_is_refused_unseen(monkeypatch):
    """A short token without digits does not look like one, but it is some variable's value."""
    from auditor.connectors.hubspot import HubSpotOptions

    monkeypatch.setenv("SOME_TOKEN", "lowercasetoken")
    monkeypatch.setenv("WHICH_VARIABLE", "HUBSPOT_TOKEN")
    monkeypatch.delenv("HUBSPOT_TOKEN", raising=False)
    with pytest.raises(ValidationError) as caught:
        HubSpotOptions(token_env="lowercasetoken")
    assert "lowercasetoken" not in str(
        problems_from(caught.value, Located({}, "x"), HubSpotOptions)
    )
    assert "not its value" in str(caught.value)
    # An upper-case name that another variable holds is still a name (unset: told at run).
    assert HubSpotOptions(token_env="HUBSPOT_TOKEN").token_env == "HUBSPOT_TOKEN"


def test_read_secret_does_not_echo_a_variable_name_that_looks_like_a_token(monkeypatch):
    monkeypatch.delenv(HEX_TOKEN, raising=False)
    with pytest.raises(InputError) as caught:
        read_secret(HEX_TOKEN, "token_env")
    message = str(caught.value)
    assert HEX_TOKEN not in message
    assert "source.token_env" in message
    assert "looks like a credential" in message


# --- ${SECRET} anywhere in the config -----------------------------------------------------


def _accepts_text(annotation: Any) -> tuple[bool, bool]:
    """(takes a string, as a list item) for an option's annotation."""
    origin = get_origin(annotation)
    if annotation is str:
        return True, False
    if origin is Literal:
        return any(isinstance(a, str) for a in get_args(annotation)), False
    if origin in (list, tuple):
        inner = [a for a in get_args(annotation) if a is not Ellipsis]
        return any(_accepts_text(a)[0] for a in inner), True
    for arg in get_args(annotation):
        text, listed = _accepts_text(arg)
        if text:
            return text, listed
    return False, False


def _string_options() -> Iterator[tuple[str, str, bool]]:
    for name in sorted(registry.available()):
        cls = registry.load(name)
        for option, field in cls.Options.model_fields.items():
            text, listed = _accepts_text(field.annotation)
            if text:
                yield name, option, listed


STRING_OPTIONS = list(_string_options())


@pytest.mark.parametrize(
    ("connector", "option", "listed"),
    STRING_OPTIONS,
    ids=[f"{c}.{o}" for c, o, _ in STRING_OPTIONS],
)
def test_planted_secret_in_any_connector_option_is_refused_unseen(
    tmp_path, connector, option, listed
):
    value = f'["{REFERENCE}"]' if listed else f'"{REFERENCE}"'
    extra = "  path: data.csv\n" if connector == "file" and option != "path" else ""
    folder = _folder(
        tmp_path, BASE + f"source:\n  connector: {connector}\n{extra}  {option}: {value}\n"
    )
    outcome = _check(folder)
    assert_clean_failure(outcome)
    where = f"source.{option}" + ("[0]" if listed else "")
    expected = (
        f"{where}: {option} must be the NAME of an environment variable"
        if option.endswith("_env")
        else f"{where}: {REFERENCE} holds what looks like a credential"
    )
    assert expected in outcome.stderr


WRONG_PLACES = [
    ("client", "client: X\n", f'client: "{REFERENCE}"\n'),
    ("period", "period: 2026-Q3\n", f'period: "{REFERENCE}"\n'),
    ("language", "language: en\n", f'language: "{REFERENCE}"\n'),
    ("timezone", "timezone: UTC\n", f'timezone: "{REFERENCE}"\n'),
    ("costs.currency", "", f'costs: {{currency: "{REFERENCE}"}}\n'),
    ("rules.packs[0]", "", f'rules: {{packs: ["{REFERENCE}"]}}\n'),
    ("report.logo", "", f'report: {{logo: "{REFERENCE}"}}\n'),
    ("report.agency", "", f'report: {{agency: "{REFERENCE}"}}\n'),
    ("history.path", "", f'history: {{path: "{REFERENCE}"}}\n'),
    ("analysis.trends.metrics[0]", "", f'analysis: {{trends: {{metrics: ["{REFERENCE}"]}}}}\n'),
    ("targets.emails_sent", "", f'targets: {{emails_sent: "{REFERENCE}"}}\n'),
]


@pytest.mark.parametrize(("key", "old", "new"), WRONG_PLACES, ids=[w[0] for w in WRONG_PLACES])
def test_planted_secret_in_a_wrong_place_is_refused_unseen(tmp_path, key, old, new):
    text = BASE.replace("client: Aceros del Sur\n", "client: X\n") + FILE_SOURCE
    text = text.replace(old, new) if old else text + new
    outcome = _check(_folder(tmp_path, text))
    assert_clean_failure(outcome)
    assert f"{key}: {REFERENCE} holds what looks like a credential" in outcome.stderr


EXPANDED = [
    ("period: 2026-Q3", f"period: ${{{WORDS_VARIABLE}}}", f"period: '${{{WORDS_VARIABLE}}}' is"),
    ("language: en", f"language: ${{{WORDS_VARIABLE}}}", f"got ${{{WORDS_VARIABLE}}}"),
    (
        "timezone: UTC",
        f"timezone: ${{{WORDS_VARIABLE}}}",
        f"unknown time zone '${{{WORDS_VARIABLE}}}'",
    ),
    (
        "  path: data.csv",
        f"  path: data.csv\n  format: ${{{WORDS_VARIABLE}}}",
        f"source.format: unknown format '${{{WORDS_VARIABLE}}}'; expected auto, csv, json, yaml",
    ),
    (
        "timezone: UTC",
        f"timezone: UTC\nanalysis: {{trends: {{metrics: ['${{{WORDS_VARIABLE}}}']}}}}",
        f"unknown metric id '${{{WORDS_VARIABLE}}}'",
    ),
]


@pytest.mark.parametrize(("old", "new", "shown"), EXPANDED, ids=[e[0] for e in EXPANDED])
def test_messages_show_an_expanded_value_as_its_reference(tmp_path, old, new, shown):
    """A value from ${...} that is not a credential is still never quoted back."""
    text = (BASE + FILE_SOURCE).replace(old, new)
    outcome = _check(_folder(tmp_path, text), env={WORDS_VARIABLE: WORDS})
    assert_clean_failure(outcome)
    assert_no_secret(outcome, WORDS)
    assert shown in outcome.stderr


@pytest.mark.parametrize(
    "source",
    [
        f"source:\n  connector: file\n  path: data.csv\nrules: {{packs: [{PLANTED_SECRET}]}}\n",
        f"source:\n  connector: file\n  path: {PLANTED_SECRET}.csv\n",
    ],
    ids=["rules.packs", "source.path"],
)
def test_a_secret_copied_into_the_config_is_shown_as_its_variable(tmp_path, source):
    """Not expanded, so not recognised at load; the CLI hides the environment's credentials."""
    outcome = _check(_folder(tmp_path, BASE + source))
    assert_clean_failure(outcome)
    assert REFERENCE in outcome.stderr


# --- echo of invalid values in validation messages ----------------------------------------


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_key: int = 0
    client_secret: int = 0
    colour: int = 0


def _messages(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        _Options.model_validate(data)
    return [str(p) for p in problems_from(caught.value, Located(data, "x.yaml"), _Options)]


def test_validation_does_not_echo_credentials():
    assert _messages({"api_key": "hunter2"}) == [
        "x.yaml: api_key: input should be a valid integer, unable to parse string as an integer"
    ]
    assert "hunter2" not in _messages({"client_secret": "hunter2"})[0]
    assert PLANTED_SECRET[:20] not in _messages({"colour": PLANTED_SECRET})[0]
    assert _messages({"colour": "red"}) == [
        "x.yaml: colour: input should be a valid integer, unable to parse string as an "
        "integer, got 'red'"
    ]


@pytest.mark.parametrize(
    ("text", "credential"),
    [
        (PLANTED_SECRET, True),
        (HEX_TOKEN, True),
        ("0123456789abcdef0123456789abcdef-us21", True),  # a Mailchimp key
        ("pat-na1-7f3a9c2e-4b1d-4e8a-9c3f-1a2b3c4d5e6f", False),  # short runs only
        ("HUBSPOT_TOKEN", False),
        ("CLIENT_ACME_HUBSPOT_TOKEN_2024", False),
        ("hs_lifecyclestage_marketingqualifiedlead_date", False),
        ("Europe/Madrid", False),
        ("", False),
    ],
)
def test_what_looks_like_a_credential(text, credential):
    assert looks_like_credential(text) is credential


def test_credential_names():
    for name in ("token", "token_env", "api_key", "apiKey", "APIKEY", "client_secret", "password"):
        assert is_credential_name(name), name
    for name in ("path", "list_id", "leads", "lead_score_property", "keyword", "monkey"):
        assert not is_credential_name(name), name


def test_hide_environment_shows_credential_values_as_their_variable():
    env = {"AC_TOKEN": HEX_TOKEN, "LANG": "en_US.UTF-8", "SHORT": "abc"}
    text = f"unknown pack '{HEX_TOKEN}' (en_US.UTF-8, abc)"
    assert hide_environment(text, env) == "unknown pack '${AC_TOKEN}' (en_US.UTF-8, abc)"


# --- keys that look like paths ------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("foo[0]: 1\n", 'audit.yaml:8:1: ["foo[0]"]: unknown key (expected one of: client,'),
        (
            'costs: {"a[b]": 1}\n',
            'audit.yaml:8:9: costs["a[b]"]: unknown key (expected one of: currency,',
        ),
        ('analysis: {"trends[0]": 1}\n', 'audit.yaml:8:12: analysis["trends[0]"]: unknown key'),
    ],
    ids=["top-level", "nested", "did-you-mean"],
)
def test_an_unknown_key_with_brackets_is_reported_at_itself(tmp_path, extra, expected):
    outcome = _check(_folder(tmp_path, BASE + FILE_SOURCE + extra))
    assert_clean_failure(outcome)
    assert expected in outcome.stderr


def test_an_unknown_connector_option_with_brackets_is_reported_at_itself(tmp_path):
    text = BASE + 'source: {connector: file, path: data.csv, "x[1]": 2}\n'
    outcome = _check(_folder(tmp_path, text))
    assert_clean_failure(outcome)
    assert 'audit.yaml:5:43: source["x[1]"]: unknown key (expected one of: path,' in (
        outcome.stderr
    )


class _Union(BaseModel):
    x: int | list[int] = 0


def test_pydantic_union_tags_are_not_keys():
    data = {"x": "a"}
    with pytest.raises(ValidationError) as caught:
        _Union.model_validate(data)
    problems = problems_from(caught.value, Located(data, "x.yaml", {("x",): (3, 1)}), _Union)
    assert {p.path for p in problems} == {"x"}
    assert {(p.line, p.col) for p in problems} == {(3, 1)}


def test_format_path_quotes_keys_that_read_as_paths():
    assert format_path(("rules", 3, "thresholds")) == "rules[3].thresholds"
    assert format_path(("foo[0]",)) == '["foo[0]"]'
    assert format_path(("source", "x[1]", "a.b")) == 'source["x[1]"]["a.b"]'


def test_a_rule_key_with_brackets_is_reported_at_itself(tmp_path):
    pack = tmp_path / "pack.yaml"
    pack.write_text(
        "version: 1\ncategories: {activity: {weight: 1}}\nrules:\n"
        "  - id: sent\n    title: {es: t, en: t}\n    category: activity\n"
        "    metric: emails_sent\n    thresholds: {fail: {below: 1}}\n    source: x\n"
        "    message: {es: m, en: m}\n    recommendation: {es: r, en: r}\n"
        '    "note[0]": x\n',
        encoding="utf-8",
    )
    outcome = hostile_run("rules", "validate", "pack.yaml", cwd=tmp_path, out_dir=tmp_path / "o")
    assert_clean_failure(outcome)
    assert 'pack.yaml:12:5: rules[0]["note[0]"]: unknown key' in outcome.stderr


# --- the fetch deadline -------------------------------------------------------------------


class _Silent:
    """A loopback server that accepts connections and never answers (until closed)."""

    def __init__(self) -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.held.append(conn)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        for conn in self.held:
            conn.close()
        self.server.close()


@pytest.fixture
def silent() -> Iterator[_Silent]:
    server = _Silent()
    yield server
    server.close()


def test_an_api_that_never_answers_stops_at_the_deadline(tmp_path, silent):
    folder = _folder(
        tmp_path,
        BASE + "source:\n  connector: activecampaign\n"
        f"  account_url: http://127.0.0.1:{silent.port}\n  token_env: AC_TOKEN\n  deadline: 1.5\n",
    )
    started = time.monotonic()
    outcome = _check(folder, env={"AC_TOKEN": HEX_TOKEN}, timeout=60)
    elapsed = time.monotonic() - started
    assert_clean_failure(outcome, code=3)
    assert_no_secret(outcome, HEX_TOKEN)
    assert "no answer from ActiveCampaign within the 1.5 s deadline (source.deadline)" in (
        outcome.stderr
    )
    assert silent.held, "the request reached the server"
    assert elapsed < 20, elapsed


class _FakeTime(helpers.FakeTime):
    """The shared fake clocks; the wall clock starts 100 s after 1,800,000,000."""

    def __init__(self) -> None:
        super().__init__(1_800_000_100.0)


def _client(fake: _FakeTime, deadline: float, session: requests.Session | None = None):
    return HttpClient(
        HttpPolicy("Testplat", deadline=deadline),
        "https://api.example.test",
        credential_env="TESTPLAT_TOKEN",
        session=session,
        sleep=fake.sleep,
        clock=fake.clock,
        wall_clock=fake.wall,
        random=lambda: 1.0,
    )


def test_retry_after_is_not_slept_past_the_deadline():
    fake = _FakeTime()
    with responses.RequestsMock() as api:
        for _ in range(2):
            api.get("https://api.example.test/v1/x", status=503, headers={"Retry-After": "10"})
        client = _client(fake, deadline=15)
        with pytest.raises(SourceUnavailableError) as caught:
            client.get_json("/v1/x")
        assert len(api.calls) == 2
    assert fake.slept == [10]
    assert "no answer from Testplat within the 15 s deadline (source.deadline)" in str(caught.value)
    assert "last: GET /v1/x: HTTP 503" in str(caught.value)


class _SlowSession(requests.Session):
    """Answers every request after `seconds` of fake time, recording its timeouts."""

    def __init__(self, fake: _FakeTime, seconds: float) -> None:
        super().__init__()
        self.fake, self.seconds = fake, seconds
        self.timeouts: list[tuple[float, float]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.timeouts.append(kwargs["timeout"])
        self.fake.now += self.seconds
        response = requests.Response()
        response.status_code = 200
        response.raw = io.BytesIO(b"{}")  # as a real session's response: a body to stream
        response.url = url
        return response


def test_request_timeouts_are_cut_to_the_time_left():
    fake = _FakeTime()
    session = _SlowSession(fake, 45)
    client = _client(fake, deadline=50, session=session)
    client.get_json("/a")
    client.get_json("/b")
    with pytest.raises(SourceUnavailableError, match="within the 50 s deadline"):
        client.get_json("/c")
    assert session.timeouts == [(10.0, 50.0), (5.0, 5.0)]


def test_every_http_connector_has_the_default_deadline():
    from auditor.connectors.activecampaign import ActiveCampaignConnector, ActiveCampaignOptions

    assert DEFAULT_DEADLINE == 300
    connector = ActiveCampaignConnector(ActiveCampaignOptions(), Path("."))
    assert connector.deadline.seconds == 300
    chosen = ActiveCampaignConnector(ActiveCampaignOptions(deadline=42), Path("."))
    assert chosen.deadline.seconds == 42


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "source.deadline: input should be greater than 0"),
        ("100000", "source.deadline: input should be less than or equal to 86400"),
        ("true", "source.deadline: expected a number, got a true/false value"),
    ],
)
def test_a_bad_deadline_is_a_config_error(tmp_path, value, message):
    folder = _folder(tmp_path, BASE + f"source:\n  connector: hubspot\n  deadline: {value}\n")
    outcome = _check(folder)
    assert_clean_failure(outcome)
    assert message in outcome.stderr
