"""`auditor batch`: many clients audited in parallel worker processes, then one portfolio.

- `discover(paths, recursive)`: the audit configs to run: files as given, and in
  each folder every `*.yaml`/`*.yml` with a top-level `client:` key.
- `run_batch(configs, options, jobs, on_done)`: `audit_client` for every config in a
  `ProcessPoolExecutor`; one outcome dict per config, in the order given.
- `build_portfolio(outcomes, ...)`: the portfolio (what `portfolio.json` holds):
  clients ranked by score, regressions since the previous period (from the
  history store), the most common failing rules, the clients that errored, and
  the batch's exit code.
- `write_portfolio(portfolio, out_dir)`: `portfolio.html`, `.csv` and `.json`,
  atomically (all three or none).

Isolation: `audit_client` never raises.  An `AuditorError` becomes its message and
exit code (2 bad input, 3 source unreachable), any other exception "internal
error: ..." with exit 2, exactly as `auditor check` reports them; the other
clients go on.  A worker process that dies (a crash in a C library, the OOM
killer) breaks the pool: the clients it took down are run again, and those that
break a pool once more are run one at a time in a pool of their own, so only a
client that really kills its worker is reported ("worker process died").

The batch's exit code combines every client's with the precedence 2 > 3 > 1 > 0
(`auditor.gating.select.combine_exit_codes`)."""

from __future__ import annotations

import os
import re
import signal
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.core.errors import EXIT_BAD_INPUT, EXIT_OK, AuditorError
from auditor.core.models import ACTIONABLE, STATUS_ORDER, is_analysis
from auditor.core.redaction import hide_environment

CONFIG_SUFFIXES = (".yaml", ".yml")
DEFAULT_MAX_JOBS = 4
# Statuses counted per client, in the order the outputs show them.
PORTFOLIO_FILES = ("portfolio.html", "portfolio.csv", "portfolio.json")
# A top-level `client:` key (optionally quoted), without parsing the YAML.
_CLIENT_KEY = re.compile(r"""^(?:client|"client"|'client')[ \t]*:""", re.MULTILINE)


def default_jobs() -> int:
    """min(CPUs, 4): more workers rarely help, the audits are short and CPU-bound."""
    return max(1, min(os.cpu_count() or 1, DEFAULT_MAX_JOBS))


@dataclass(frozen=True)
class BatchOptions:
    """What every client of a batch is audited with (picklable: sent to the workers)."""

    output_dir: Path | None = None
    formats: tuple[str, ...] = ("json",)
    period: str | None = None
    language: str | None = None
    fail_on: str = "fail"
    fail_under: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    record: bool = False
    refetch: bool = False
    debug: bool = False
    claims: Path | None = None  # this batch run's output claims (`_claim_outputs`)

    def to_json(self) -> dict[str, Any]:
        return {
            "formats": list(self.formats),
            "period": self.period,
            "language": self.language,
            "fail_on": self.fail_on,
            "fail_under": list(self.fail_under),
            "select": list(self.select),
            "ignore": list(self.ignore),
            "record": self.record,
        }


# ------------------------------------------------------------------ discovery
def is_client_config(path: Path) -> bool:
    """Whether a YAML file is an audit config: it has a top-level `client:` key.

    A text test first (so a config with a YAML error is still found, and its
    error reported by the audit), then a real parse for flow-style mappings.
    """
    from auditor.core.errors import InputError
    from auditor.core.userfiles import MAX_DOCUMENT_BYTES, read_user_file
    from auditor.core.yamlpos import load_yaml_text  # bounded: no alias bomb or deep nesting hangs

    try:  # bounded: a FIFO or a huge file in a scanned folder is simply not a config
        raw = read_user_file(path, str(path), kind="a YAML file", limit=MAX_DOCUMENT_BYTES)
        text = raw.decode("utf-8-sig")
    except (InputError, UnicodeDecodeError):
        return False
    if _CLIENT_KEY.search(text):
        return True

    try:
        data = load_yaml_text(text, str(path)).data
    except InputError:
        return False
    return isinstance(data, dict) and "client" in data


def _folder_configs(folder: Path, recursive: bool) -> list[Path]:
    if recursive:
        candidates = [
            p
            for p in folder.rglob("*")
            if not any(part.startswith(".") for part in p.relative_to(folder).parts[:-1])
        ]
    else:
        candidates = list(folder.iterdir())
    return sorted(
        p
        for p in candidates
        if p.suffix.lower() in CONFIG_SUFFIXES and p.is_file() and is_client_config(p)
    )


def discover(paths: Iterable[Path], recursive: bool = False) -> list[Path]:
    """The configs to audit, each once, in the order given (a folder's sorted by path).

    A file is taken as given, even without a `client:` key or when it does not
    exist: the audit then reports what is wrong with it, as `auditor check` would.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        items = _folder_configs(path, recursive) if path.is_dir() else [path]
        for item in items:
            key = item.resolve()
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found


def _claimed_name(path: Path, period: str | None) -> tuple[str, str] | None:
    """(slug, period label) a config will write its outputs and record its history as,
    read cheaply; None if unknown (unreadable, invalid, or set from the environment): the
    audit will tell.  The period is parsed, so '2026-q2' and '2026-Q2' are one period."""
    from auditor.core.errors import InputError
    from auditor.core.identity import CLIENT_ID_PATTERN, client_slug
    from auditor.core.period import PeriodError, parse_period
    from auditor.core.yamlpos import load_yaml_file  # the audit's own reader: same numbers, limits

    try:
        data = load_yaml_file(path).data
    except InputError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("client"), str):
        return None
    client_id = data.get("client_id")
    if client_id is not None and not (
        isinstance(client_id, str) and CLIENT_ID_PATTERN.match(client_id)
    ):
        return None
    chosen = period if period is not None else data.get("period")
    if "${" in data["client"] or chosen is None or "${" in str(chosen):
        return None
    try:
        label = parse_period(chosen).label
    except PeriodError:
        return None
    name = data["client"].strip()
    return (client_slug(name, client_id), label) if name else None


def duplicate_clients(configs: Sequence[Path], period: str | None) -> dict[int, str]:
    """Configs whose slug and period an earlier config already has, with the error to
    report: their outputs would overwrite each other (and their history rows collide)."""
    first: dict[tuple[str, str], Path] = {}
    errors: dict[int, str] = {}
    for index, path in enumerate(configs):
        claimed = _claimed_name(path, period)
        if claimed is None:
            continue
        if claimed in first:
            slug, label = claimed
            errors[index] = (
                f"{path}: client '{slug}' with period {label} is already audited by "
                f"{first[claimed]}: both would write {slug}_{label}.* and record under the same "
                "history key; if they are two clients, give each its own client_id"
            )
        else:
            first[claimed] = path
    return errors


def _claim_outputs(claims: Path, targets: Sequence[Path], owner: str) -> str | None:
    """Claim every output file for this client in this batch run; None if all are ours,
    else the error naming the config that claimed one first.

    The last guard against two clients of one batch writing one file (`duplicate_clients`
    catches what it can read before the audits): a claim is a file created with
    O_EXCL in the batch's `claims` folder, so it is atomic across worker processes.
    The same config claiming again (a client re-run after its worker died) is fine.
    """
    import hashlib

    for target in targets:
        digest = hashlib.sha256(str(target.resolve()).encode("utf-8")).hexdigest()
        marker = claims / digest
        try:
            handle = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            holder = marker.read_text(encoding="utf-8", errors="replace")
            if holder != owner:
                return (
                    f"not written: {target} is written by {holder or 'another client'} in "
                    "this batch (same slug and period); if they are two clients, give each "
                    "its own client_id"
                )
            continue
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(owner)
    return None


# ------------------------------------------------------------------- one client
def _blank(config: Path | str) -> dict[str, Any]:
    return {
        "config": str(config),
        "client": None,
        "client_slug": None,
        "period": None,
        "previous_period": None,
        "language": None,
        "scores": {},
        "overall_coverage": None,
        "counts": {},
        "failing": [],
        "exit_code": EXIT_BAD_INPUT,
        "exit_reason": "",
        "error": None,
        "traceback": None,
        "outputs": [],
        "regression": None,
        "warnings": [],
        "seconds": 0.0,
    }


def summarize(result: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an audit result the portfolio shows (the full result stays in its JSON).

    `counts` and `failing` cover the rule findings; informative analysis
    findings (label `analysis`) never count as failures, as for the exit code.
    """
    findings = [f for f in result.get("findings") or [] if not is_analysis(f)]
    tally = Counter(str(f.get("status")) for f in findings)
    counts = {s: tally.get(s, 0) for s in STATUS_ORDER} | {
        s: n for s, n in tally.items() if s not in STATUS_ORDER
    }
    return {
        "client": result.get("client"),
        "client_slug": result.get("client_slug"),
        "period": (result.get("period") or {}).get("label"),
        "previous_period": (result.get("previous_period") or {}).get("label"),
        "language": result.get("language"),
        "scores": dict(result.get("scores") or {}),
        "overall_coverage": result.get("overall_coverage"),
        "counts": counts,
        "failing": [
            {
                "rule": f.get("rule"),
                "title": f.get("title") or "",
                "category": f.get("category"),
                "status": f.get("status"),
            }
            for f in findings
            if f.get("status") in ACTIONABLE
        ],
        "exit_code": int(result.get("exit_code", EXIT_OK)),
        "exit_reason": str(result.get("exit_reason") or ""),
        "warnings": [str(w) for w in result.get("warnings") or []],
    }


def regression_since(result: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """Score deltas and the rule findings that started or stopped failing or warning
    since `previous` (analysis findings are informative: left out, as in `summarize`)."""
    from auditor.history import new_failures, regressions, resolved_findings

    informative = {
        f.get("rule") for r in (result, previous) for f in r.get("findings") or [] if is_analysis(f)
    }
    return {
        "previous_period": (previous.get("period") or {}).get("label"),
        "previous_generated_at": previous.get("generated_at"),
        "scores": regressions(result, previous),
        "new_failures": [r for r in new_failures(result, previous) if r not in informative],
        "resolved": [r for r in resolved_findings(result, previous) if r not in informative],
    }


def _previous_result(config: Any, result: Mapping[str, Any], warnings: list[str]) -> Any:
    """The recorded result of the previous period, or None (no store, not recorded)."""
    from auditor.history import HistoryError, HistoryStore, configured_store_path

    label = (result.get("previous_period") or {}).get("label")
    store = HistoryStore(configured_store_path(config))
    if not label or not store.exists:
        return None
    try:
        return store.latest(config.identity, label)
    except HistoryError as exc:
        warnings.append(f"history not read, no regressions for this client: {exc}")
        return None


def audit_client(config: Path | str, options: BatchOptions) -> dict[str, Any]:
    """Audit one client as `auditor run` would and return its outcome; never raises.

    As `run`: outputs first, then the history record, so a client whose outputs
    were not written has recorded nothing.
    """
    from auditor.config.loader import load_config
    from auditor.pipeline.session import AuditRequest, run_audit

    start = time.perf_counter()
    outcome = _blank(config)
    path = Path(config)
    try:
        loaded = load_config(path, options.period)
        outcome.update(client=loaded.client, client_slug=loaded.slug, period=loaded.period.label)
        finished = run_audit(
            AuditRequest(
                config=path,
                period=options.period,
                language=options.language,
                fail_on=options.fail_on,
                fail_under=options.fail_under,
                select=options.select,
                ignore=options.ignore,
                record=options.record,
                refetch=options.refetch,
            )
        )
        result = finished.result
        outcome.update(summarize(result))
        previous = _previous_result(loaded, result, outcome["warnings"])
        if previous is not None:
            outcome["regression"] = regression_since(result, previous)
        written: list[Path] = []
        if options.output_dir is not None and options.formats:
            try:
                written = _write_claimed(finished, path, options)
            except OSError as exc:
                outcome["exit_code"] = EXIT_BAD_INPUT
                outcome["error"] = f"cannot write the outputs to {options.output_dir}: {exc}"
            else:
                outcome["outputs"] = [p.name for p in written]
        if outcome["error"] is None:
            finished.record(written)
    except AuditorError as exc:
        outcome["exit_code"] = exc.exit_code
        outcome["error"] = hide_environment(str(exc)) or exc.__class__.__name__
    except Exception as exc:
        outcome["exit_code"] = EXIT_BAD_INPUT
        outcome["error"] = hide_environment(f"internal error: {exc.__class__.__name__}: {exc}")
        if options.debug:
            outcome["traceback"] = traceback.format_exc()
    outcome["seconds"] = round(time.perf_counter() - start, 4)
    return outcome


def _write_claimed(finished: Any, config: Path, options: BatchOptions) -> list[Path]:
    """This client's outputs, never over a file another client of the batch claimed,
    nor over one of its own inputs (`FinishedAudit.write`)."""
    assert options.output_dir is not None
    from auditor.core.errors import InputError
    from auditor.outputs.formats import output_writers

    writers = output_writers(finished.result, options.output_dir, list(options.formats))
    if options.claims is not None:
        refused = _claim_outputs(options.claims, list(writers), str(config.resolve()))
        if refused is not None:
            raise InputError(refused)
    written: list[Path] = finished.write(writers)
    return written


def _died(config: Path | str, detail: str) -> dict[str, Any]:
    outcome = _blank(config)
    outcome["error"] = f"worker process died while auditing this client ({detail})"
    return outcome


# ---------------------------------------------------------------- the workers
# Native thread pools (numpy's BLAS, OpenMP) default to one thread per CPU in
# every worker; with one worker per CPU that oversubscribes the machine.
SINGLE_THREADED = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _worker_terminated(signum: int, frame: Any) -> None:
    from auditor.outputs.files import remove_pending

    remove_pending()
    os._exit(128 + signum)


def _worker_init() -> None:
    """Workers leave Ctrl-C to the parent, which stops them all (no tracebacks x N),
    stop at once on SIGTERM (`_abort` terminates them; a forked worker would otherwise
    inherit the CLI's handler) without leaving temporary files, and run native
    libraries single-threaded unless the environment says otherwise."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_terminated)
    for name in SINGLE_THREADED:
        os.environ.setdefault(name, "1")


def _abort(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: pending audits cancelled, running workers terminated."""
    # taken before shutdown(), which sets `_processes` to None
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()


Done = Callable[[dict[str, Any]], None]


def _run_pool(
    configs: Sequence[Path],
    indexes: Sequence[int],
    options: BatchOptions,
    jobs: int,
    outcomes: dict[int, dict[str, Any]],
    on_done: Done,
) -> dict[int, str]:
    """Audit `indexes` in one pool; the ones a broken pool took down, with the reason."""
    broken: dict[int, str] = {}
    pool = ProcessPoolExecutor(
        max_workers=max(1, min(jobs, len(indexes))), initializer=_worker_init
    )
    try:
        futures: dict[Future[dict[str, Any]], int] = {
            pool.submit(audit_client, configs[i], options): i for i in indexes
        }
        for future in as_completed(futures):
            index = futures[future]
            try:
                outcome = future.result()
            except BrokenProcessPool as exc:
                broken[index] = str(exc) or "the pool broke"
                continue
            except Exception as exc:  # e.g. an outcome that could not be sent back
                outcome = _blank(configs[index])
                outcome["error"] = f"internal error: {exc.__class__.__name__}: {exc}"
            outcomes[index] = outcome
            on_done(outcome)
    except BaseException:
        _abort(pool)
        raise
    pool.shutdown(wait=True)
    return broken


def run_batch(
    configs: Sequence[Path],
    options: BatchOptions,
    jobs: int | None = None,
    on_done: Done | None = None,
    *,
    skip: Mapping[int, str] | None = None,
) -> list[dict[str, Any]]:
    """One outcome per config (in `configs` order), audited by `jobs` worker processes.

    `on_done(outcome)` is called in the parent as each client finishes (progress).
    `skip` maps config indexes to an error reported instead of auditing them
    (exit 2), e.g. `duplicate_clients`.  Clients writing outputs claim their files
    in a temporary folder of this run (`_claim_outputs`), removed at the end.
    """
    if options.output_dir is not None and options.claims is None:
        import shutil
        import tempfile
        from dataclasses import replace

        claims = Path(tempfile.mkdtemp(prefix="auditor-batch-claims-"))
        try:
            return run_batch(configs, replace(options, claims=claims), jobs, on_done, skip=skip)
        finally:
            shutil.rmtree(claims, ignore_errors=True)
    jobs = jobs or default_jobs()
    report: Done = on_done or (lambda outcome: None)
    outcomes: dict[int, dict[str, Any]] = {}
    for index, message in (skip or {}).items():
        outcome = _blank(configs[index])
        outcome["error"] = message
        outcomes[index] = outcome
        report(outcome)
    todo = [i for i in range(len(configs)) if i not in outcomes]
    if todo:
        broken = _run_pool(configs, todo, options, jobs, outcomes, report)
        if broken:  # once more together: most were only collateral damage
            broken = _run_pool(configs, sorted(broken), options, jobs, outcomes, report)
        for index in sorted(broken):  # then alone, so only the culprit is blamed
            alone = _run_pool(configs, [index], options, 1, outcomes, report)
            if alone:
                outcomes[index] = _died(configs[index], alone[index])
                report(outcomes[index])
    return [outcomes[i] for i in range(len(configs))]
