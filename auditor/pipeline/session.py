"""One audit as the command line runs it: the audit, then what CI adds on top.

`runner.audit` produces the result; this module applies, in order, the
selection (`--select`/`--ignore`) and the gates (`--fail-on`, `--fail-under`,
`--baseline`).  Recording in the history is the caller's last step, through
`FinishedAudit.record`, once every output is in place: a run whose outputs
could not be written must not leave an audit in the history that baselines
trust.  Whether this client may record at all (its history key holds no other
client's runs) is checked before the audit, so a refusal costs nothing and
writes nothing.  Keeping this here leaves `cli.py` to parsing and printing, and
`runner.py` to the flow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.core.errors import AuditorError, InputError, Problem

if TYPE_CHECKING:
    from auditor.config.settings import AuditConfig


@dataclass(frozen=True)
class AuditRequest:
    """Everything a `run` or `check` invocation asks for."""

    config: Path
    period: str | None = None
    language: str | None = None
    fail_on: str = "fail"
    fail_under: Sequence[str] = ()
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    snapshot: Path | None = None
    snapshot_of_another_client: bool = False
    record: bool = False
    baseline: str | None = None
    refetch: bool = False
    """Ask the source for every month, none taken from earlier recorded runs."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FinishedAudit:
    """A finished audit, and the history store it is to be recorded in (None: not asked)."""

    result: dict[str, Any]
    store: Path | None = None
    inputs: dict[Path, str] = field(default_factory=dict)
    """The files this run read (path -> what it is): its outputs must not replace them."""

    def write(self, outputs: Any) -> list[Path]:
        """`write_all(outputs)`, refusing any output that would replace one of `inputs`."""
        from auditor.outputs.files import write_all

        return write_all(outputs, self.inputs)

    def record(self, written: Sequence[Path] = ()) -> None:
        """Record the result, if asked; call it once every output (`written`) is in place.

        A failure is a HistoryError (exit 2) that says the outputs stay.
        """
        if self.store is None:
            return
        from auditor.history import HistoryError, HistoryStore

        try:
            HistoryStore(self.store).record(self.result)
        except AuditorError as exc:
            problems = list(exc.problems) if isinstance(exc, InputError) else [Problem(str(exc))]
            kept = f"; its outputs were written and stay: {', '.join(map(str, written))}"
            problems.append(
                Problem(f"the audit was not recorded in the history{kept if written else ''}")
            )
            raise HistoryError(problems) from None


def run_audit(request: AuditRequest) -> FinishedAudit:
    """The finished result of one invocation (exit code and reason included), not yet
    recorded: the caller writes its outputs, then calls `record`.  The same audit of
    unchanged local files is given back from the result cache (result_cache.py)."""
    from auditor.pipeline import result_cache

    fields = dataclasses.asdict(request)
    kept = result_cache.load(request.config, fields)
    if kept is not None:
        return FinishedAudit(kept.result, kept.store, kept.inputs)
    finished, config = _run_audit(request)
    if _local_only(config, request):
        from auditor.history import configured_store_path
        from auditor.pipeline.runner import load_rule_set

        store = configured_store_path(config)
        read = [*(p for p in finished.inputs if p != store), *load_rule_set(config).files]
        done = result_cache.Kept(finished.result, finished.store, finished.inputs)
        result_cache.save(request.config, fields, done, read, store)
    return finished


def _local_only(config: AuditConfig, request: AuditRequest) -> bool:
    """Whether every number of the audit comes from local files (a data file, or the
    snapshot replayed): only then can a stored result stand for a new run."""
    if request.snapshot is not None:
        return True
    try:
        connector = config.connector(config.connector_options, config.folder, config.timezone)
    except AuditorError:
        return False
    return connector.local_only()


def _run_audit(request: AuditRequest) -> tuple[FinishedAudit, AuditConfig]:
    from auditor.config.loader import load_config
    from auditor.gating.select import finalize
    from auditor.pipeline.runner import audit

    config = load_config(request.config, request.period)
    inputs = run_inputs(config, request.snapshot)
    store = None
    if request.record or config.history_record:
        from auditor.history import configured_store_path

        store = configured_store_path(config)
        _refuse_input_store(config, store, inputs)
        _refuse_shared_key(config, store)
    data = None
    if request.snapshot is not None:
        from auditor.connectors.snapshot import load_snapshot

        data = load_snapshot(
            request.snapshot,
            (config.client, config.slug),
            allow_other_client=request.snapshot_of_another_client,
        )
    from auditor.gating.gate import Gate

    result = audit(
        config, Gate(request.fail_on), request.language, data, refetch=request.refetch
    ).to_json()

    known: list[str] = []
    baseline_info: dict[str, Any] | None = None
    if request.baseline is not None:
        known, baseline_info = _baseline(config, result, request.baseline)
    result = finalize(
        result,
        gate=Gate(request.fail_on),
        select=list(request.select),
        ignore=list(request.ignore),
        fail_under_values=list(request.fail_under),
        known=known,
    )
    if baseline_info is not None:
        result["baseline"] = baseline_info
    from auditor.history import configured_store_path

    inputs.setdefault(configured_store_path(config), "the history store")
    return FinishedAudit(result, store, inputs), config


def run_inputs(config: AuditConfig, snapshot: Path | None = None) -> dict[Path, str]:
    """Every file the audit of `config` reads: the config, its rule pack files, the
    logo, the connector's files (data, leads) and the snapshot replayed."""
    from auditor.pipeline.runner import load_rule_set

    inputs: dict[Path, str] = {config.path: "the config"}
    for pack in load_rule_set(config).packs:
        if pack.file is not None:
            inputs.setdefault(pack.file, f"the rule pack {pack.name}")
    if config.report.logo is not None:
        inputs.setdefault(Path(config.report.logo), "the logo (report.logo)")
    try:
        connector = config.connector(config.connector_options, config.folder, config.timezone)
        for path in connector.input_files():
            inputs.setdefault(path, "a data file (source:)")
    except AuditorError:
        pass  # the audit itself reports a connector that cannot be set up
    if snapshot is not None:
        inputs.setdefault(snapshot, "the snapshot replayed (--from-snapshot)")
    return inputs


def _refuse_input_store(config: AuditConfig, store: Path, inputs: dict[Path, str]) -> None:
    """A config error at `history.path` when the store would be written over an input."""
    from auditor.history import HistoryError
    from auditor.outputs.files import same_file

    for path, what in inputs.items():
        if same_file(store, path):
            message = (
                f"the history store {store} is {what} of this run ({path}); recording would "
                "overwrite it: give history.path its own file"
            )
            if config.history_path is not None:
                raise HistoryError(config.located.problem(("history", "path"), message))
            raise HistoryError(Problem(message))


def _refuse_shared_key(config: AuditConfig, store: Path) -> None:
    """A config error (at its `client`/`client_id` key) when its history key holds another
    client's runs: recording would mix two clients' histories."""
    from auditor.history import HistoryError, HistoryStore, shared_key_message

    others = HistoryStore(store).other_clients(config.slug, config.identity)
    if others:
        key = ("client_id",) if config.client_id else ("client",)
        message = shared_key_message(config.slug, config.identity, others)
        raise HistoryError(config.located.problem(key, f"{message} (history store {store})"))


def _baseline(config: Any, result: dict[str, Any], period: str) -> tuple[list[str], dict[str, Any]]:
    """Failures of the recorded `period` that are still failing now: known, not new."""
    from auditor.core.period import PeriodError, parse_period
    from auditor.history import HistoryStore, configured_store_path, new_failures

    try:
        label = parse_period(period).label
    except PeriodError as exc:
        raise InputError(Problem(f"--baseline: {exc}")) from None
    store = HistoryStore(configured_store_path(config))
    recorded = store.latest(config.identity, label)
    if recorded is None:
        periods = store.periods(config.identity)
        known = ", ".join(periods) if periods else "none (record runs with --record)"
        others = store.other_clients(config.slug, config.identity)
        held = (
            f" (the history key {config.slug} holds the audits of another client, "
            f"{', '.join(o.describe() for o in others)}: give this config its own client_id)"
            if others
            else ""
        )
        raise InputError(
            Problem(
                f"--baseline {label}: no recorded audit of {config.slug} for that period; "
                f"recorded periods: {known}{held}"
            )
        )
    severity = {"fail": 2, "warn": 1}
    before = {f["rule"]: severity.get(f["status"], 0) for f in recorded.get("findings", [])}
    failing = [f for f in result["findings"] if f["status"] in severity]
    # New: failing now and not before, or worse than before (a warning that became a failure).
    new = set(new_failures(result, recorded)) | {
        f["rule"] for f in failing if severity[f["status"]] > before.get(f["rule"], 0)
    }
    failing_ids = [f["rule"] for f in failing]
    known_failures = [r for r in failing_ids if r not in new]
    return known_failures, {
        "period": label,
        "new_failures": sorted(new & set(failing_ids)),
        "known_failures": sorted(known_failures),
    }
