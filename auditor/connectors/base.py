"""The connector contract: options in, monthly base metrics plus provenance out.

Connectors know nothing of rules or scoring (DESIGN.md section 2).  Each one
declares, as class attributes, what it is (`name`, `description`), what it
takes (`Options`, a pydantic model validated with the rest of the config, so
errors carry file:line) and what it delivers: `metrics`, the base metric ids it
measures, and `not_measured`, why it cannot measure each of the others.  Every
catalog base metric is in exactly one of the two (docs/connectors.md).

Credentials never sit in options: an option names the environment VARIABLE
(`token_env: HUBSPOT_TOKEN`) and the connector reads its value when it runs,
so no validation error, log line or provenance record can show a secret.

Every HTTP connector's whole fetch has a deadline (`source.deadline`, seconds,
retries and waits included): `DEFAULT_DEADLINE` (300 s) unless the config sets
one, at most `MAX_DEADLINE` (86,400 s, a day).  Past it the fetch stops with
exit 3 (`auditor.connectors.http`).
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from inspect import isabstract
from pathlib import Path
from typing import Annotated, Any, ClassVar, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from auditor.core.errors import InputError, Problem
from auditor.core.models import CampaignSend, SourceData
from auditor.core.period import Month
from auditor.core.redaction import looks_like_credential
from auditor.core.validation import Number
from auditor.metrics.catalog import BASE_BY_ID

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_USUAL_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")  # HUBSPOT_TOKEN: a name, whatever else holds it
_CONNECTOR_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")

DEFAULT_DEADLINE = 300.0
"""Seconds an HTTP connector's whole fetch may take when `source.deadline` is not set."""
MAX_DEADLINE = 86_400.0
"""The largest `source.deadline` accepted (a day): a bigger one is a typo (milliseconds?)."""


def _env_name(value: str) -> str:
    # The message must not echo the value: a user who pasted the token itself here
    # (or `${TOKEN}`, which the config expands) would see it printed.  A token made of
    # letters and digits only (hex, base62) is a valid name, so a name that is not set
    # and looks like a credential, or equals a variable's value, is refused as well.
    pasted = value not in os.environ and (
        looks_like_credential(value)
        or (value in set(os.environ.values()) and not _USUAL_NAME.match(value))
    )
    if not _ENV_NAME.match(value) or pasted:
        raise ValueError(
            "expected the NAME of an environment variable (letters, digits and _, "
            "e.g. HUBSPOT_TOKEN), not its value; set the secret in that variable"
        )
    return value


def _http_url(value: str) -> str:
    # Not echoed either: a URL may carry user:password@.
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "expected an http:// or https:// URL such as https://api.example.com "
            "or http://127.0.0.1:8080"
        )
    if parts.username or parts.password:
        raise ValueError("the URL must not carry credentials; use the connector's *_env option")
    if parts.query or parts.fragment:
        raise ValueError("the URL must not have a query (?...) or fragment (#...)")
    return value.strip().rstrip("/")


EnvVarName = Annotated[str, AfterValidator(_env_name)]
"""An option holding the name of an environment variable (a credential's, usually)."""

BaseUrl = Annotated[str, AfterValidator(_http_url)]
"""An http(s) URL without query or credentials, trailing slash removed."""


class ConnectorOptions(BaseModel):
    """Base for connector options: unknown keys are errors, like everywhere in the config."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpOptions(ConnectorOptions):
    """Base for the options of connectors that talk to a platform over HTTP.

    Subclasses add one `EnvVarName` option per credential, named `*_env` with the
    platform's usual variable as default, e.g. `token_env: EnvVarName = "HUBSPOT_TOKEN"`.
    """

    base_url: BaseUrl | None = None
    """Replaces the platform's URL: a proxy, a sandbox or a local test server."""
    deadline: Annotated[Number, Field(gt=0, le=MAX_DEADLINE)] = DEFAULT_DEADLINE
    """Seconds the whole fetch may take, retries and waits included."""


OptionsT = TypeVar("OptionsT", bound=ConnectorOptions)


def read_secret(variable: str, option: str | None = None) -> str:
    """The value of environment variable `variable`; missing or blank is an InputError (exit 2).

    The message names the variable (and the option that named it), never a value.
    """
    value = os.environ.get(variable, "")
    if value.strip():
        return value.strip()
    state = "is empty" if variable in os.environ else "is not set"
    where = f" (named by source.{option})" if option else ""
    if looks_like_credential(variable):  # a pasted token that slipped past validation
        raise InputError(
            Problem(
                f"the environment variable named{where} {state}, and its name looks like a "
                "credential: the option must hold the NAME of the variable (e.g. "
                "HUBSPOT_TOKEN), and the credential goes in that variable"
            )
        )
    raise InputError(
        Problem(
            f"environment variable {variable}{where} {state}: export the credential "
            f"in it before running, e.g. export {variable}=...",
        )
    )


class Connector(ABC):
    """A data source.  Subclasses set the class attributes below and implement
    `fetch` and `check`; `__init__` takes `(options, config_dir, timezone)`."""

    name: ClassVar[str]
    """What users write as `source.connector`; equal to the entry point's name."""
    description: ClassVar[str] = ""
    """One line for `auditor connectors list`."""
    Options: ClassVar[type[ConnectorOptions]] = ConnectorOptions
    metrics: ClassVar[tuple[str, ...]] = ()
    """The base metric ids this connector can deliver."""
    not_measured: ClassVar[Mapping[str, str]] = {}
    """For every other base metric id: why it is not measured (shown in the report)."""
    metric_sources: ClassVar[Mapping[str, str]] = {}
    """Optional, for measured ids: where each comes from ('GET /3.0/reports: emails_sent')."""
    definition_differences: ClassVar[Mapping[str, str]] = {}
    """For measured ids whose figure is not the catalog's one definition (docs/definitions.md):
    how it differs.  The report's appendix flags them, so two clients on different platforms
    are compared on the same figure or told why not."""
    reuses_recorded_months: ClassVar[bool] = False
    """Whether the pipeline may take closed months an earlier recorded audit fetched from
    this source instead of asking for them again (auditor/pipeline/recorded.py): true for
    the HTTP connectors, false for files, which are cheap to read and are the record."""
    state_at_fetch: ClassVar[frozenset[str]] = frozenset()
    """Stocks this connector reports only for the latest month, as the account's state when
    it fetched (HubSpot's enabled workflows): never reused from a recorded month."""

    def __init__(self, options: ConnectorOptions, config_dir: Path, timezone: str = "UTC") -> None:
        self.options = options
        self.config_dir = config_dir
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(
                Problem(f"unknown time zone '{timezone}' (e.g. Europe/Madrid, UTC)")
            ) from None
        self.timezone = timezone

    @abstractmethod
    def fetch(self, months: Sequence[Month]) -> SourceData:
        """Return base metrics for at least `months` (more history is welcome).

        Platform timestamps go to months in `self.timezone` (`timeutil.month_of`).
        The result's `not_measured` includes the class's (`source_data` does it).
        Raise `InputError` for bad options or data files, `SourceError` (and its
        subclasses) for an unreachable or refusing source.
        """

    @abstractmethod
    def check(self) -> str:
        """Prove credentials and reachability with the cheapest call; return one line
        describing what was reached (an account name, a file's months)."""

    def local_only(self) -> bool:
        """Whether `fetch` reads nothing but `input_files()` (no platform, no clock): then
        an audit's result can be kept while those files are unchanged
        (auditor/pipeline/result_cache.py)."""
        return False

    def input_files(self) -> tuple[Path, ...]:
        """The local files `fetch` reads (none for an HTTP source): outputs must not
        replace them (`auditor.outputs.files.refuse_overlaps`)."""
        return ()

    def options_as(self, kind: type[OptionsT]) -> OptionsT:
        """The options as the connector's own class (a subclass built from the same keys,
        as a test or a plugin may pass, is read again as `kind`)."""
        if isinstance(self.options, kind):
            return self.options
        return kind.model_validate(self.options.model_dump())

    def secret(self, option: str) -> str:
        """The credential whose variable the `option` field names (read now, never stored)."""
        return read_secret(getattr(self.options, option), option)

    def source_data(
        self,
        monthly: Mapping[Month, Mapping[str, float]],
        *,
        label: str,
        provenance: Mapping[str, Any] | None = None,
        by_channel: Mapping[str, Mapping[Month, Mapping[str, float]]] | None = None,
        not_measured: Mapping[str, str] | None = None,
        campaigns: Sequence[CampaignSend] = (),
    ) -> SourceData:
        """A SourceData stamped with this connector's name, the time, and its
        `not_measured` reasons (plus per-run ones, e.g. "no store connected");
        `campaigns` are the per-send rows, ordered by send date."""
        reasons = dict(self.not_measured)
        reasons.update(not_measured or {})
        return SourceData(
            connector=self.name,
            label=label,
            monthly={m: dict(monthly[m]) for m in sorted(monthly)},
            fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            by_channel=dict(by_channel or {}),
            not_measured=reasons,
            provenance=self._with_definitions(provenance or {}, monthly),
            campaigns=tuple(sorted(campaigns, key=lambda c: (c.sent_on, c.campaign_id))),
        )

    def _with_definitions(
        self, provenance: Mapping[str, Any], monthly: Mapping[Month, Mapping[str, float]]
    ) -> dict[str, Any]:
        """The provenance plus, for the metrics this run measured, where each came from and
        how it differs from the catalog's definition (what the report's appendix shows)."""
        measured = {metric for values in monthly.values() for metric in values}
        stamped = dict(provenance)
        for key, table in (
            ("metric_sources", self.metric_sources),
            ("definition_differences", self.definition_differences),
        ):
            if key not in stamped:
                stamped[key] = {
                    m: str(table[m]) for m in BASE_BY_ID if m in table and m in measured
                }
        return stamped


def contract_problems(cls: Any, name: str | None = None, complete: bool = True) -> list[str]:
    """What `cls` gets wrong about the connector contract (empty when nothing).

    `name` is the entry point's name, which must equal `cls.name`.  With
    `complete`, every catalog base metric must be in `metrics` or `not_measured`;
    without it only contradictions and unknown ids count (what `registry.load`
    refuses: a plugin written before a new catalog metric still loads).
    """
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        return ["is not a subclass of auditor.connectors.base.Connector"]
    problems: list[str] = []
    if isabstract(cls):
        missing = ", ".join(sorted(getattr(cls, "__abstractmethods__", ())))
        problems.append(f"does not implement {missing}")
    own = getattr(cls, "name", None)
    if not isinstance(own, str) or not _CONNECTOR_NAME.match(own):
        problems.append("name must be lowercase letters, digits, '-' or '_' (e.g. 'hubspot')")
    elif name is not None and own != name:
        problems.append(f"registered as '{name}' but its name is '{own}'")
    if not isinstance(cls.description, str) or not cls.description.strip():
        problems.append("description must be a non-empty line")
    elif "\n" in cls.description:
        problems.append("description must be one line")
    options = getattr(cls, "Options", None)
    if not (isinstance(options, type) and issubclass(options, ConnectorOptions)):
        problems.append("Options must subclass ConnectorOptions")
    elif options.model_config.get("extra") != "forbid":
        problems.append("Options must forbid unknown keys (model_config extra='forbid')")
    problems.extend(_metric_problems(cls.metrics, cls.not_measured, complete))
    sources = getattr(cls, "metric_sources", {})
    if not isinstance(sources, Mapping):
        problems.append("metric_sources must map measured metric ids to where they come from")
    else:
        stray = [m for m in sources if m not in cls.metrics]
        if stray and isinstance(cls.metrics, tuple):
            problems.append(f"metric_sources names unmeasured ids: {', '.join(map(str, stray))}")
    differences = getattr(cls, "definition_differences", {})
    if not isinstance(differences, Mapping):
        problems.append("definition_differences must map measured metric ids to how they differ")
    else:
        stray = [m for m in differences if m not in cls.metrics]
        if stray and isinstance(cls.metrics, tuple):
            problems.append(
                f"definition_differences names unmeasured ids: {', '.join(map(str, stray))}"
            )
    return problems


def _metric_problems(metrics: Any, not_measured: Any, complete: bool) -> list[str]:
    if not isinstance(metrics, tuple) or not all(isinstance(m, str) for m in metrics):
        return ["metrics must be a tuple of base metric ids"]
    if not isinstance(not_measured, Mapping):
        return ["not_measured must map base metric ids to reasons"]
    problems: list[str] = []
    unknown = [m for m in (*metrics, *not_measured) if m not in BASE_BY_ID]
    if unknown:
        problems.append(f"unknown base metric ids: {', '.join(map(str, unknown))}")
    if len(set(metrics)) != len(metrics):
        problems.append("metrics lists an id twice")
    both = sorted(set(metrics) & set(not_measured))
    if both:
        problems.append(f"both measured and not measured: {', '.join(both)}")
    blank = [k for k, v in not_measured.items() if not isinstance(v, str) or not v.strip()]
    if blank:
        problems.append(f"not_measured needs a reason for: {', '.join(map(str, blank))}")
    if complete:
        undeclared = [m for m in BASE_BY_ID if m not in metrics and m not in not_measured]
        if undeclared:
            problems.append(
                "neither in metrics nor in not_measured (say why it is not measured): "
                + ", ".join(undeclared)
            )
    return problems


def undeclared_metrics(cls: type[Connector]) -> list[str]:
    """Catalog base metrics the class says nothing about (a plugin older than the catalog)."""
    return [m for m in BASE_BY_ID if m not in cls.metrics and m not in cls.not_measured]
