"""Loading a config: `${VAR}` expansion, validation with located problems, the period, the
sources resolved into connectors, the logo checked."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from auditor.config.schema import _ENV, _ENV_NAME, HIDE_BARE_MIN, ConfigModel, CostsModel
from auditor.config.settings import AuditConfig, DeliverabilitySettings, ReportSettings
from auditor.connectors import registry
from auditor.connectors.base import Connector, ConnectorOptions
from auditor.core.errors import InputError, Problem
from auditor.core.identity import client_slug
from auditor.core.identity import slugify as slugify
from auditor.core.period import Period, PeriodError, parse_period
from auditor.core.redaction import looks_like_credential
from auditor.core.validation import did_you_mean, problems_from
from auditor.core.yamlpos import KeyPath, Located, load_yaml_file
from auditor.metrics.catalog import ALL_METRIC_IDS, BASE_BY_ID, COST_KEYS


@dataclass
class _Expansions:
    """Where `${VAR}` expansion put an environment value, so no message shows it.

    `written` maps each expanded key path to its text as written in the file
    (`${AC_TOKEN}`), `values` to its expanded value, `variables` each variable
    used to its value.
    """

    written: dict[KeyPath, str] = field(default_factory=dict)
    values: dict[KeyPath, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)

    def hide(self, problem: Problem) -> Problem:
        """`problem` with every expanded value shown as written: quoted ones always,
        bare ones when long enough to be unambiguous (`HIDE_BARE_MIN`) or credential-like."""
        shown = [(v, self.written[path]) for path, v in self.values.items()]
        shown += [(v, f"${{{name}}}") for name, v in self.variables.items()]
        message = problem.message
        for value, written in sorted(shown, key=lambda pair: -len(pair[0])):
            if not value:
                continue
            for quote in ("'", '"'):
                message = message.replace(f"{quote}{value}{quote}", f"{quote}{written}{quote}")
            if len(value) >= HIDE_BARE_MIN or looks_like_credential(value):
                message = message.replace(value, written)
        if message == problem.message:
            return problem
        return Problem(message, problem.file, problem.line, problem.col, problem.path)

    def problems(self, located: Located) -> list[Problem]:
        """Expanded values that cannot be right: a credential, or a `*_env` option's value."""
        out = []
        for path, value in self.values.items():
            written = self.written[path]
            key = path[-1] if path else ""
            in_source = path[:1] in (("source",), ("sources",))
            if in_source and isinstance(key, str) and key.endswith("_env"):
                if value in os.environ:  # `token_env: ${WHICH}` with WHICH=HUBSPOT_TOKEN
                    continue
                single = _ENV.fullmatch(written)
                name = single.group(1) if single else "AC_TOKEN"
                message = (
                    f"{key} must be the NAME of an environment variable (e.g. {name}), not "
                    f"its value: write '{key}: {name}', not '{key}: {written}'; the "
                    "connector reads the variable itself"
                )
            elif any(
                looks_like_credential(self.variables[m.group(1)])
                for m in _ENV.finditer(written)
                if m.group(1) in self.variables
            ):
                message = (
                    f"{written} holds what looks like a credential, and the config never "
                    "holds one: a connector reads its credential from the variable its *_env "
                    "option names (e.g. token_env: AC_TOKEN)"
                )
            else:
                continue
            out.append(located.problem(path, message, at_value=True))
        return out


def _expand_env(
    value: Any,
    path: KeyPath,
    located: Located,
    problems: list[Problem],
    expansions: _Expansions,
) -> Any:
    """Replace ${VAR} in every string; a missing variable is a problem naming it."""
    if isinstance(value, dict):
        return {
            k: _expand_env(v, (*path, k), located, problems, expansions) for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _expand_env(v, (*path, i), located, problems, expansions) for i, v in enumerate(value)
        ]
    if not isinstance(value, str) or "${" not in value:
        return value

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if not _ENV_NAME.match(name):
            problems.append(
                located.problem(path, f"'${{{name}}}' is not a valid variable name", at_value=True)
            )
            return ""
        if name not in os.environ:
            problems.append(
                located.problem(
                    path,
                    f"environment variable {name} is not set (used as ${{{name}}})",
                    at_value=True,
                )
            )
            return ""
        expansions.variables[name] = os.environ[name]
        return os.environ[name]

    expanded = _ENV.sub(substitute, value)
    expansions.written[path] = value
    expansions.values[path] = expanded
    return expanded


def load_config(path: Path, period_override: str | None = None) -> AuditConfig:
    """Load and validate an audit config; raise InputError listing every problem."""
    located = load_yaml_file(path)
    if not isinstance(located.data, dict):
        raise InputError(
            located.problem(
                (), "an audit config must be a mapping of keys (client, period, source, ...)"
            )
        )
    problems: list[Problem] = []
    expansions = _Expansions()
    data = _expand_env(located.data, (), located, problems, expansions)
    problems.extend(expansions.problems(located))
    if problems:  # validating values emptied by a missing variable would only add noise
        raise InputError(problems)
    try:
        return _validated(path, located, data, period_override, expansions, problems)
    except InputError as exc:  # no message may show a value that came from the environment
        raise InputError([expansions.hide(p) for p in exc.problems]) from None


def _validated(
    path: Path,
    located: Located,
    data: Any,
    period_override: str | None,
    expansions: _Expansions,
    problems: list[Problem],
) -> AuditConfig:
    try:
        model = ConfigModel.model_validate(data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, located, ConfigModel, shown_as=expansions.written))
        raise InputError(problems) from None
    folder = path.parent

    period = _resolve_period(model.period, period_override, located, problems)
    try:  # connectors assign platform timestamps to months in this zone
        ZoneInfo(model.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            located.problem(
                ("timezone",), f"unknown time zone '{model.timezone}' (e.g. Europe/Madrid, UTC)"
            )
        )
    connector, options = _resolve_sources(model, located, folder, problems, expansions.written)
    for metric_id in model.targets:
        if metric_id not in ALL_METRIC_IDS:
            problems.append(
                located.problem(
                    ("targets", metric_id),
                    f"unknown metric id{did_you_mean(metric_id, ALL_METRIC_IDS)}",
                )
            )
    logo = _resolve_logo(model.report.logo, folder, located, problems)
    if problems:
        raise InputError(problems)
    assert period is not None
    assert connector is not None
    assert options is not None

    costs = model.costs or CostsModel()
    cost_items = {k: getattr(costs, k) for k in COST_KEYS if getattr(costs, k) is not None}
    return AuditConfig(
        path=path,
        located=located,
        client=model.client,
        slug=client_slug(model.client, model.client_id),
        period=period,
        language=model.language,
        timezone=model.timezone,
        connector=connector,
        connector_options=options,
        currency=costs.currency,
        cost_basis=costs.per,
        costs=cost_items,
        gross_margin=model.finance.gross_margin,
        packs=tuple(model.rules.packs),
        overrides=model.rules.overrides,
        targets=dict(model.targets),
        report=ReportSettings(
            logo, model.report.accent, model.report.agency, model.report.page_size
        ),
        history_path=folder / Path(model.history.path).expanduser() if model.history.path else None,
        history_record=model.history.record,
        history_reuse_months=model.history.reuse_months,
        channel_costs=dict(costs.channels),
        analysis=model.analysis.model_dump(exclude_none=True),
        deliverability=_deliverability(model, folder),
        client_id=model.client_id,
        currency_set="currency" in costs.model_fields_set,
    )


def _deliverability(model: ConfigModel, folder: Path) -> DeliverabilitySettings | None:
    section = model.deliverability
    if section is None:
        return None
    message = folder / Path(section.sample_message).expanduser() if section.sample_message else None
    return DeliverabilitySettings(
        tuple(section.domains),
        tuple(section.selectors),
        message,
        section.nameserver,
        section.timeout,
    )


def _resolve_period(
    value: Any, override: str | None, located: Located, problems: list[Problem]
) -> Period | None:
    if override is not None:
        try:
            return parse_period(override)
        except PeriodError as exc:
            problems.append(Problem(f"--period: {exc}"))
            return None
    if value is None:
        problems.append(
            located.problem(("period",), "no period: set 'period:' (e.g. 2026-Q3) or pass --period")
        )
        return None
    try:
        return parse_period(value)
    except PeriodError as exc:
        problems.append(located.problem(("period",), str(exc), at_value=True))
        return None


def _resolve_sources(
    model: ConfigModel,
    located: Located,
    folder: Path,
    problems: list[Problem],
    shown_as: dict[KeyPath, str],
) -> tuple[type[Connector] | None, ConnectorOptions | None]:
    """`source:` (one) or `sources:` (several, merged by connectors/multi.py): not both."""
    if model.source is not None and model.sources is not None:
        problems.append(located.problem(("sources",), "give either source: or sources:, not both"))
        return None, None
    if model.sources is None:
        if model.source is None:
            problems.append(
                located.problem((), "'source' is missing: say where the data comes from")
            )
            return None, None
        return _resolve_source(model.source, located, folder, problems, shown_as, ("source",))
    from auditor.connectors.multi import MultiConnector, MultiOptions, SourceSpec

    if not model.sources:
        problems.append(located.problem(("sources",), "sources: lists no source"))
        return None, None
    specs: list[SourceSpec] = []
    names: dict[str, int] = {}
    for index, block in enumerate(model.sources):
        where: KeyPath = ("sources", index)
        if not isinstance(block, dict):
            problems.append(located.problem(where, "each source is a mapping (connector: ...)"))
            continue
        extra = {k: block[k] for k in ("name", "metrics") if k in block}
        options_only = {k: v for k, v in block.items() if k not in ("name", "metrics")}
        connector, options = _resolve_source(
            options_only, located, folder, problems, shown_as, where
        )
        if connector is None or options is None:
            continue
        name = extra.get("name") or _default_source_name(connector.name, options_only)
        if not isinstance(name, str) or not name.strip():
            problems.append(located.problem((*where, "name"), "a source name is text"))
            continue
        if name in names:
            problems.append(
                located.problem(
                    (*where, "name"),
                    f"two sources are named '{name}' (sources {names[name] + 1} and "
                    f"{index + 1}); give each its own name:",
                )
            )
            continue
        names[name] = index
        metrics = _source_metrics(extra.get("metrics"), (*where, "metrics"), located, problems)
        specs.append(SourceSpec(name, connector, options, metrics))
    if len(specs) != len(model.sources):
        return None, None
    return MultiConnector, MultiOptions(specs=tuple(specs))


def _default_source_name(connector: str, block: Mapping[str, Any]) -> str:
    path = block.get("path")
    return Path(path).name if connector == "file" and isinstance(path, str) else connector


def _source_metrics(
    value: Any, where: KeyPath, located: Located, problems: list[Problem]
) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.append(located.problem(where, "expected a list of base metric ids"))
        return None
    unknown = [v for v in value if v not in BASE_BY_ID]
    for metric in unknown:
        problems.append(
            located.problem(
                where, f"unknown base metric id '{metric}'{did_you_mean(metric, tuple(BASE_BY_ID))}"
            )
        )
    return tuple(value)


def _resolve_source(
    source: dict[str, Any],
    located: Located,
    folder: Path,
    problems: list[Problem],
    shown_as: dict[KeyPath, str],
    prefix: KeyPath = ("source",),
) -> tuple[type[Connector] | None, ConnectorOptions | None]:
    name = source.get("connector")
    if not isinstance(name, str) or not name:
        problems.append(
            located.problem(
                prefix, "'connector' is missing: name the data source, e.g. connector: file"
            )
        )
        return None, None
    try:
        connector = registry.load(name)
    except InputError as exc:
        problems.extend(located.problem((*prefix, "connector"), p.message) for p in exc.problems)
        return None, None
    options = {k: v for k, v in source.items() if k != "connector"}
    try:
        return connector, connector.Options.model_validate(options)
    except ValidationError as exc:
        problems.extend(
            problems_from(exc, located, connector.Options, prefix=prefix, shown_as=shown_as)
        )
        return connector, None


def _resolve_logo(
    logo: str | None, folder: Path, located: Located, problems: list[Problem]
) -> Path | None:
    if logo is None:
        return None
    resolved = (folder / logo).resolve()
    if not resolved.is_relative_to(folder.resolve()):
        problems.append(
            located.problem(
                ("report", "logo"),
                "the logo must be a file inside the config's folder (the report may read "
                "nothing else from this machine)",
                at_value=True,
            )
        )
    else:
        # the renderer shows exactly what passes here: type, content and size checked once
        from auditor.core.logos import logo_problem

        reason = logo_problem(resolved)
        if reason:
            problems.append(located.problem(("report", "logo"), reason))
    return resolved
