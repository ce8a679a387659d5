"""Email and lead activities from Marketo's bulk activity export, one job per month.

Reading activities page by page (`GET /rest/v1/activities.json`, 300 a call) costs one
call per 300 sends, opens or clicks: an instance sending a million emails a month would
spend its whole shared daily quota (50,000 calls) on one audit.  The bulk export costs
the same few calls whatever the volume: create a job for a window ("The range must be
31 days or fewer"), enqueue it, poll its status ("A job status does not update more
frequently than once every 60 seconds. Do not poll more frequently than that"), then
read the file, in byte ranges ("the file endpoint supports the optional HTTP `Range`
header") and checked against the status's `fileChecksum` ("compute its SHA-256 hash and
compare it").  At most two jobs run at a time ("Maximum concurrent export jobs: 2"), and
the connector never keeps more than four of its own in the shared queue.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from auditor.connectors.marketo.api import (
    EXPORT_CREATE,
    EXPORT_ENQUEUE,
    EXPORT_FIELDS,
    EXPORT_FILE,
    EXPORT_QUEUE,
    EXPORT_STATUS,
    PLATFORM,
    malformed,
)
from auditor.connectors.marketo.session import MarketoError, MarketoSession
from auditor.connectors.timeutil import month_of
from auditor.core.errors import SourceQuotaError, SourceResponseError, SourceUnavailableError
from auditor.core.period import Month

POLL_SECONDS = 60.0
OUR_JOBS = 4
"""Jobs of ours queued or running at once: two run ("Maximum concurrent export jobs: 2")
and two wait behind them, of the queue's ten shared with the instance's other integrations."""
CHUNK_BYTES = 32 * 1024 * 1024  # one ranged read of an export file
DONE, FAILED = "Completed", ("Failed", "Canceled")


@dataclass
class MonthTally:
    """What one month's activities add up to."""

    counts: dict[int, int] = field(default_factory=dict)
    """activityTypeId -> activities."""
    pairs: dict[int, set[tuple[str, str]]] = field(default_factory=dict)
    """activityTypeId -> distinct (leadId, primaryAttributeValueId)."""
    by_campaign: dict[str, int] = field(default_factory=dict)
    """campaignId -> activities of the counted type (Send Email)."""
    by_field: dict[str, set[str]] = field(default_factory=dict)
    """Lead field id -> leads with a Change Data Value on it."""
    rows: int = 0


@dataclass
class Job:
    """One export job: a window of at most 31 days and what to read in it."""

    window: Mapping[str, str]
    type_ids: Sequence[int]
    field_ids: Sequence[int] = ()
    """Lead field ids (`primaryAttributeValueIds`) of a Change Data Value job."""
    export_id: str = ""
    tries: int = 0
    status: str = ""
    error: str = ""
    checksum: str = ""
    size: int | None = None


MAX_SPAN = timedelta(days=31)


def windows(zone_start: datetime, zone_end: datetime, now: datetime) -> list[dict[str, str]]:
    """The `createdAt` filters of one month: ISO 8601 without milliseconds, with the zone's
    offset, `endAt` inclusive (the month's last second, or now).  "The range must be 31
    days or fewer": a 31-day month that gains an hour when summer time ends (October in
    Madrid) is 31 days and an hour long, so it is read in two halves."""
    zone = zone_start.tzinfo
    # in UTC: arithmetic between two times of one zone ignores a change of offset
    start = zone_start.astimezone(UTC)
    end = min(zone_end.astimezone(UTC) - timedelta(seconds=1), now.astimezone(UTC))
    if end < start:
        return []
    edges = [start, end]
    if end - start > MAX_SPAN - timedelta(seconds=1):
        edges = [start, (start + (end - start) / 2).replace(microsecond=0), end]
    out = []
    for index, (low, high) in enumerate(pairwise(edges)):
        first = low if index == 0 else low + timedelta(seconds=1)
        out.append(
            {
                "startAt": first.astimezone(zone).isoformat(timespec="seconds"),
                "endAt": high.astimezone(zone).isoformat(timespec="seconds"),
            }
        )
    return out


class ActivityExport:
    """Runs the monthly export jobs and tallies their rows."""

    def __init__(
        self,
        session: MarketoSession,
        distinct_ids: Sequence[int],
        campaign_type_id: int | None,
        field_change_type_id: int | None,
        timezone: str,
    ) -> None:
        self.session = session
        self.distinct_ids = set(distinct_ids)
        self.campaign_type_id = campaign_type_id
        self.field_change_type_id = field_change_type_id
        self.timezone = timezone
        self.jobs_run = 0
        self.bytes_read = 0

    def run(self, months: Sequence[Month], jobs: Sequence[Job]) -> dict[Month, MonthTally]:
        """Each month's tally from the `jobs`; at most OUR_JOBS jobs of ours in Marketo's
        queue."""
        tallies = {month: MonthTally() for month in months}
        waiting = list(jobs)
        running: list[Job] = []
        while waiting or running:
            while waiting and len(running) < OUR_JOBS:
                job = waiting[0]
                if not self._start(job):
                    break  # Marketo's queue is full: poll ours, then try again
                running.append(waiting.pop(0))
            if not running:
                self.session.client.wait(POLL_SECONDS)
                continue
            self.session.client.wait(POLL_SECONDS)
            for job in list(running):
                state = self._status(job)
                if state is None:
                    continue
                running.remove(job)
                if state == DONE:
                    self._read(job, tallies)
                else:
                    job.tries += 1
                    if job.tries >= 2:
                        raise SourceUnavailableError(
                            f"{PLATFORM}: the activity export from {job.window['startAt']} ended "
                            f"'{job.status}' twice ({job.error or 'no reason given'}); try "
                            "again later",
                            platform=PLATFORM,
                        )
                    job.export_id = ""  # "If a job fails, you must recreate it"
                    waiting.insert(0, job)
        return tallies

    def _start(self, job: Job) -> bool:
        """Create and enqueue one job; False when the shared queue is full."""
        if not job.export_id:
            wanted: dict[str, Any] = {
                "createdAt": dict(job.window),
                "activityTypeIds": sorted(set(job.type_ids)),
            }
            if job.field_ids:
                wanted["primaryAttributeValueIds"] = sorted(set(job.field_ids))
            body = {"format": "CSV", "fields": list(EXPORT_FIELDS), "filter": wanted}
            found = self.session.result("POST", EXPORT_CREATE, json=body)
            job.export_id = _export_id(found, f"POST {EXPORT_CREATE}")
            self.jobs_run += 1
        try:
            self.session.result("POST", EXPORT_ENQUEUE.format(id=job.export_id))
        except MarketoError as exc:
            if exc.code != EXPORT_QUEUE:
                raise
            if "quota" in exc.message.lower():
                raise SourceQuotaError(
                    f"{PLATFORM}: the daily export quota (500 MB, shared by the instance's "
                    f"integrations) is used up ({exc.code} {exc.message}); it resets at "
                    "midnight Central Time: try again then",
                    platform=PLATFORM,
                    wait_seconds=86_400.0,
                    retry_at="after midnight Central Time",
                ) from None
            # "Job already queued" is ours, in; "Too many jobs in queue" is the shared
            # queue full of other integrations' jobs: try again after a poll
            return "already queued" in exc.message.lower()
        return True

    def _status(self, job: Job) -> str | None:
        """'Completed', a failed state, or None while it is created, queued or running."""
        shown = f"GET {EXPORT_STATUS}"
        found = self.session.result("GET", EXPORT_STATUS.format(id=job.export_id))
        if not found or not isinstance(found[0], dict):
            raise malformed(shown, "no job status", found)
        info = found[0]
        status = job.status = str(info.get("status") or "")
        if status == DONE:
            job.checksum = str(info.get("fileChecksum") or "")
            size = info.get("fileSize")
            job.size = size if isinstance(size, int) and not isinstance(size, bool) else None
            return DONE
        if status in FAILED:
            job.error = str(info.get("errorMsg") or "")
            return status
        if status not in ("Created", "Queued", "Processing"):
            raise malformed(shown, f"an unknown status '{status}'", found)
        return None

    def _read(self, job: Job, tallies: dict[Month, MonthTally]) -> None:
        """The job's file, in ranges, checked against its checksum and tallied."""
        shown = f"GET {EXPORT_FILE}"
        digest = hashlib.sha256()
        path = EXPORT_FILE.format(id=job.export_id)
        size = job.size

        def chunks() -> Iterator[bytes]:
            if size is None or size <= CHUNK_BYTES:
                body = self.session.raw(path).content
                digest.update(body)
                yield body
                return
            for start in range(0, size, CHUNK_BYTES):
                end = min(size, start + CHUNK_BYTES) - 1
                body = self.session.raw(path, {"Range": f"bytes={start}-{end}"}).content
                if len(body) != end - start + 1:
                    raise malformed(shown, f"{len(body)} bytes for the range {start}-{end}", "")
                digest.update(body)
                yield body

        self._tally(_lines(chunks(), self._count_bytes), tallies, shown)
        expected = job.checksum
        if expected.startswith("sha256:") and expected[7:] != digest.hexdigest():
            raise SourceResponseError(
                f"{PLATFORM}: the activity export from {job.window['startAt']} does not match its "
                "checksum (fileChecksum): the file was cut or changed on the way; try again",
                platform=PLATFORM,
            )

    def _count_bytes(self, n: int) -> None:
        self.bytes_read += n

    def _tally(self, lines: Iterator[str], tallies: dict[Month, MonthTally], shown: str) -> None:
        """Each row in the month of its activityDate (in the audit's zone)."""
        reader = csv.reader(lines)
        header = next(reader, None)
        if header is None:
            return  # an empty file: no activity
        missing = [f for f in EXPORT_FIELDS if f not in header]
        if missing:
            raise malformed(shown, f"no column {', '.join(missing)}", header)
        at = {name: header.index(name) for name in EXPORT_FIELDS}
        for row in reader:
            if not row:
                continue
            if len(row) < len(header):
                raise malformed(shown, "a row shorter than the header", row)
            try:
                kind = int(row[at["activityTypeId"]])
            except ValueError:
                raise malformed(shown, "an activityTypeId that is not a number", row) from None
            tally = tallies.get(month_of(row[at["activityDate"]], self.timezone))
            if tally is None:
                continue  # created in the window, dated outside the audit's months
            tally.rows += 1
            tally.counts[kind] = tally.counts.get(kind, 0) + 1
            if kind in self.distinct_ids:
                pair = (row[at["leadId"]], row[at["primaryAttributeValueId"]])
                tally.pairs.setdefault(kind, set()).add(pair)
            if kind == self.campaign_type_id:
                campaign = row[at["campaignId"]]
                tally.by_campaign[campaign] = tally.by_campaign.get(campaign, 0) + 1
            if kind == self.field_change_type_id:
                lead_field = row[at["primaryAttributeValueId"]]
                tally.by_field.setdefault(lead_field, set()).add(row[at["leadId"]])


def _export_id(found: list[object], shown: str) -> str:
    if not found or not isinstance(found[0], dict) or not found[0].get("exportId"):
        raise malformed(shown, "no exportId", found)
    return str(found[0]["exportId"])


def _lines(chunks: Iterator[bytes], count: Callable[[int], None]) -> Iterator[str]:
    """Text lines across byte chunks (a line may straddle two ranges)."""
    rest = b""
    for chunk in chunks:
        count(len(chunk))
        rest += chunk
        *whole, rest = rest.split(b"\n")
        for line in whole:
            yield line.decode("utf-8", "replace").rstrip("\r")
    if rest:
        yield rest.decode("utf-8", "replace").rstrip("\r")
