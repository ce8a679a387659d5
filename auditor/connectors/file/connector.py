"""The file connector: check, fetch, and the file read once, bounded and hashed."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from auditor.connectors.base import Connector, ConnectorOptions
from auditor.connectors.file.csv_reader import _read_csv, _read_records
from auditor.connectors.file.options import MAX_PROBLEMS, FileOptions
from auditor.connectors.file.totals import _source_data
from auditor.connectors.file.values import _file_type
from auditor.connectors.filelimits import (
    MAX_DATA_FILE_BYTES,
    MAX_RECORDS_FILE_BYTES,
    read_regular_file,
)
from auditor.connectors.leads import read_leads
from auditor.core.errors import InputError, ProblemCollector
from auditor.core.models import Lead, SourceData
from auditor.core.period import Month
from auditor.metrics.catalog import BASE_BY_ID


class FileConnector(Connector):
    """Reads every month in one data file; the audit picks the months it needs."""

    name: ClassVar[str] = "file"
    description: ClassVar[str] = "Monthly base metrics from a CSV, JSON or YAML file (wide or long)"
    Options: ClassVar[type[ConnectorOptions]] = FileOptions
    metrics: ClassVar[tuple[str, ...]] = tuple(BASE_BY_ID)
    not_measured: ClassVar[Mapping[str, str]] = {}

    def check(self) -> str:
        """The file parses: say what it holds (an empty cell is still 'not measured')."""
        data = self.fetch([])
        months = data.months
        span = f"{months[0]} to {months[-1]}" if months else "no months"
        measured = {m for values in data.monthly.values() for m in values}
        prov = data.provenance
        leads = f"; {len(data.leads)} leads in {prov['leads']['path']}" if "leads" in prov else ""
        form = prov.get("layout") or f"{prov.get('format')} form"
        return (
            f"{data.label}: {prov.get('file_type', '?').upper()} ({form}), "
            f"{len(months)} months ({span}), {len(measured)} of {len(BASE_BY_ID)} base "
            f"metrics present{leads}"
        )

    def local_only(self) -> bool:
        return True

    def input_files(self) -> tuple[Path, ...]:
        """The data file and, when given, the leads file (as resolved for reading)."""
        opts = self._file_options()
        files = [self._resolve(opts.path)]
        if opts.leads is not None:
            files.append(self._resolve(opts.leads))
        return tuple(files)

    def fetch(self, months: Sequence[Month]) -> SourceData:
        """Return everything in the file: `months` is ignored, as more history helps trends.

        With a `leads:` file, the problems of both files are reported together.
        """
        opts = self._file_options()
        errors: list[InputError] = []
        try:
            data = self._fetch_metrics(opts)
        except InputError as exc:
            errors.append(exc)
        leads: tuple[Lead, ...] = ()
        leads_provenance: dict[str, Any] | None = None
        if opts.leads is not None:
            try:
                leads, leads_provenance = read_leads(
                    self._resolve(opts.leads),
                    opts.leads,
                    not_found=self._not_found(opts.leads, self._resolve(opts.leads)),
                    decimal=opts.decimal,
                )
            except InputError as exc:
                errors.append(exc)
        if errors:
            raise InputError([p for error in errors for p in error.problems])
        if leads_provenance is None:
            return data
        return replace(data, leads=leads, provenance={**data.provenance, "leads": leads_provenance})

    def _fetch_metrics(self, opts: FileOptions) -> SourceData:
        problems = ProblemCollector(opts.path, MAX_PROBLEMS)
        file_type = _file_type(opts, problems)
        path = self._resolve(opts.path)
        csv_file = file_type == "csv"
        raw = read_regular_file(
            path,
            MAX_DATA_FILE_BYTES if csv_file else MAX_RECORDS_FILE_BYTES,
            problems,
            not_found=self._not_found(opts.path, path),
            expected="a CSV data file" if csv_file else "a JSON or YAML data file",
            too_large_hint="monthly figures rarely need more: add rows up by month, or "
            + ("keep fewer months" if csv_file else "save the data as CSV, which may be larger"),
        )
        digest = hashlib.sha256(raw).hexdigest()
        if csv_file:
            parsed = _read_csv(raw, opts, problems)
        else:
            parsed = _read_records(raw, file_type, opts, problems)
        problems.raise_if_any()
        return _source_data(opts.path, file_type, digest, parsed)

    def _file_options(self) -> FileOptions:
        if isinstance(self.options, FileOptions):
            return self.options
        return FileOptions.model_validate(self.options.model_dump())

    def _resolve(self, written: str) -> Path:
        path = Path(written).expanduser()
        return path if path.is_absolute() else self.config_dir / path

    def _not_found(self, written: str, resolved: Path) -> str:
        if Path(written).expanduser().is_absolute():
            return f"file not found: {written}"
        return (
            f"file not found: {written} (relative paths are resolved against the config's "
            f"folder {self.config_dir}, so it looked for {resolved})"
        )
