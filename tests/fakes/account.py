"""The synthetic account every fake serves: its spec, sends, and contacts as cohorts in
closed form (a CRM search total is arithmetic, never a scan)."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tests.fakes.clock import (
    SECOND_MS,
    _ceil_div,
    add_month,
    month_bounds_ms,
    month_of_ms,
    month_span,
    parse_instant_ms,
)

# --- the synthetic account ----------------------------------------------------------------


@dataclass(frozen=True)
class AccountSpec:
    """What to generate.  Everything follows from these fields and the seed."""

    seed: int = 2026
    contacts: int = 1_000_000
    campaigns: int = 2_000
    deals: int = 3_000
    workflows: int = 40
    automations: int = 12
    first_month: str = "2021-01"
    as_of: str = "2026-11-15T00:00:00Z"
    """The account's "now": nothing happened after it."""
    timezone: str = "Europe/Madrid"
    """The account's (HubSpot portal's, ActiveCampaign account's) time zone."""
    currency: str = "EUR"
    extra_won_deals: tuple[str, int] | None = None
    """(month, n): n more HubSpot deals won in that month (to cross the search cap)."""

    def rng(self, *what: str) -> random.Random:
        return random.Random(f"{self.seed}:" + ":".join(what))

    @property
    def as_of_ms(self) -> int:
        found = parse_instant_ms(self.as_of)
        assert found is not None
        return found

    @property
    def contact_months(self) -> list[str]:
        """Complete months of history: contacts are created in these."""
        return month_span(self.first_month, add_month(month_of_ms(self.as_of_ms), -1))

    @property
    def start_ms(self) -> int:
        return month_bounds_ms(self.first_month)[0]


def _allocate(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights`, summing exactly (largest remainder)."""
    scale = sum(weights)
    raw = [total * w / scale for w in weights]
    counts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _send_times(spec: AccountSpec, rng: random.Random, n: int) -> list[int]:
    """`n` instants (whole seconds) spread over the history, some exactly on month
    boundaries (UTC and the account's zone), sorted."""
    start, end = spec.start_ms, spec.as_of_ms
    months = month_span(spec.first_month, month_of_ms(end - 1))
    times: list[int] = []
    for zone_name in ("UTC", spec.timezone):
        for month in rng.sample(months[1:-1], min(4, max(0, len(months) - 2))):
            if len(times) < n:
                times.append(month_bounds_ms(month, zone_name)[0])
            if len(times) < n:
                times.append(month_bounds_ms(month, zone_name)[1] - SECOND_MS)
    while len(times) < n:
        times.append(rng.randrange(start // 1000, end // 1000) * 1000)
    return sorted(times[:n])


# --- contacts: cohorts in closed form ------------------------------------------------------

STAGES: Mapping[str, tuple[int, int, int]] = {
    # stage id -> (every how many contacts reach it, min and max days after creation)
    "lead": (1, 0, 0),
    "marketingqualifiedlead": (7, 2, 40),
    "salesqualifiedlead": (21, 45, 80),
    "customer": (84, 85, 150),
}
STAGE_ORDER = ("lead", "marketingqualifiedlead", "salesqualifiedlead", "customer")


@dataclass(frozen=True)
class Cohort:
    """The contacts created in one month: contact k (0-based) has id first_id + k and
    was created at base + k * step; it reaches stage s when k % STAGES[s][0] == 0, at
    its creation + delays[s] (if that is not after the account's now)."""

    month: str
    first_id: int
    count: int
    base: int
    step: int
    delays: Mapping[str, int]

    def created(self, k: int) -> int:
        return self.base + k * self.step


@dataclass(frozen=True)
class KRange:
    """Contacts k of one cohort with lo <= k <= hi and k % mod == 0."""

    lo: int
    hi: int
    mod: int

    def count(self) -> int:
        if self.lo > self.hi:
            return 0
        first = _ceil_div(self.lo, self.mod) * self.mod
        return 0 if first > self.hi else (self.hi - first) // self.mod + 1

    def nth(self, n: int) -> int:
        return _ceil_div(self.lo, self.mod) * self.mod + n * self.mod


class NotSimulated(Exception):
    """A valid request the fake does not model (answered 400, saying so)."""


@dataclass(frozen=True)
class ContactFilter:
    """One condition: `prop` is a stage ("lead".."customer") or "id"; a value in
    [lo, hi] (None: unbounded), or just having the property."""

    prop: str
    lo: int | None = None
    hi: int | None = None


class ContactBook:
    """A million contacts (or any number) without a list of contacts."""

    def __init__(self, spec: AccountSpec) -> None:
        rng = spec.rng("contacts")
        months = spec.contact_months
        weights = [
            (1.0 + 0.8 * i / max(1, len(months))) * rng.uniform(0.7, 1.3)
            for i in range(len(months))
        ]
        counts = _allocate(spec.contacts, weights)
        self.as_of = spec.as_of_ms
        self.cohorts: list[Cohort] = []
        next_id = 1
        for index, (month, count) in enumerate(zip(months, counts, strict=True)):
            lo, hi = month_bounds_ms(month)
            step = max(1, (hi - lo) // max(1, count))
            base = lo if index % 2 == 0 else lo + step // 2  # some exactly at 00:00:00.000Z
            delays = {
                stage: rng.randint(low * 86_400, high * 86_400) * SECOND_MS
                for stage, (_, low, high) in STAGES.items()
            }
            self.cohorts.append(Cohort(month, next_id, count, base, step, delays))
            next_id += count
        self.total = spec.contacts

    def _range(self, cohort: Cohort, filters: Iterable[ContactFilter]) -> KRange:
        lo, hi, mod = 0, cohort.count - 1, 1
        for f in filters:
            if f.prop == "id":
                if f.lo is not None:
                    lo = max(lo, f.lo - cohort.first_id)
                if f.hi is not None:
                    hi = min(hi, f.hi - cohort.first_id)
                continue
            every = STAGES[f.prop][0]
            offset = cohort.base + cohort.delays[f.prop]
            hi = min(hi, (self.as_of - offset) // cohort.step)  # reached by the account's now
            if f.lo is not None:
                lo = max(lo, _ceil_div(f.lo - offset, cohort.step))
            if f.hi is not None:
                hi = min(hi, (f.hi - offset) // cohort.step)
            mod = math.lcm(mod, every)
        return KRange(lo, hi, mod)

    def count(self, filters: list[ContactFilter]) -> int:
        return sum(self._range(c, filters).count() for c in self.cohorts)

    def page(
        self, filters: list[ContactFilter], offset: int, limit: int, descending: bool = False
    ) -> list[tuple[Cohort, int]]:
        out: list[tuple[Cohort, int]] = []
        cohorts = reversed(self.cohorts) if descending else iter(self.cohorts)
        for cohort in cohorts:
            if len(out) >= limit:
                break
            krange = self._range(cohort, filters)
            n = krange.count()
            if offset >= n:
                offset -= n
                continue
            for i in range(offset, n):
                if len(out) >= limit:
                    break
                out.append((cohort, krange.nth(n - 1 - i if descending else i)))
            offset = 0
        return out

    def stage_date(self, cohort: Cohort, k: int, stage: str) -> int | None:
        if k % STAGES[stage][0]:
            return None
        when = cohort.created(k) + cohort.delays[stage]
        return when if when <= self.as_of else None

    def truth(self, stage: str, months: list[str], tz: str) -> dict[str, int]:
        out = {}
        for month in months:
            lo, hi = month_bounds_ms(month, tz)
            out[month] = self.count([ContactFilter(stage, lo, hi - 1)])
        return out
