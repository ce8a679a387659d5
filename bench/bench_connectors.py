"""Benchmark: what a quarterly audit costs each platform connector against a large account.

    .venv/bin/python bench/bench_connectors.py [--platforms hubspot,mailchimp,activecampaign,...]
        [--contacts 1000000] [--campaigns 2000] [--latency-ms 20,50] [--no-scaling]

Runs `runner.audit` on a 2026-Q3 config per platform against the local fake
platforms of tests/fakes/platforms.py (documented API shapes, a seeded account
of 1,000,000 contacts and 2,000 campaigns over six years, 20-50 ms of latency
per request, the platforms' documented rate limits on), with the real
connectors: real pacing, real Retry-After waits.  Prints the requests the
server received by endpoint and status, the wall time, and the connector's own
request log (retries, seconds waiting).

Then, unless --no-scaling, the same audits without latency, limits or waiting
(time injected) on accounts that differ in one dimension each, to show what the
request count grows with and what it does not.  docs/connectors/benchmark.md
records a run.  Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.config.loader import load_config  # noqa: E402
from auditor.connectors import registry  # noqa: E402
from auditor.connectors.activecampaign import ActiveCampaignConnector  # noqa: E402
from auditor.connectors.brevo import BrevoConnector  # noqa: E402
from auditor.connectors.hubspot import HubSpotConnector  # noqa: E402
from auditor.connectors.klaviyo import KlaviyoConnector  # noqa: E402
from auditor.connectors.mailchimp import MailchimpConnector  # noqa: E402
from auditor.connectors.marketo import MarketoConnector  # noqa: E402
from auditor.connectors.pardot import PardotConnector  # noqa: E402
from auditor.history import HistoryStore  # noqa: E402
from auditor.pipeline.runner import audit  # noqa: E402
from tests.fakes.account import AccountSpec  # noqa: E402
from tests.fakes.marketo import CLIENT_ID as MARKETO_CLIENT_ID  # noqa: E402
from tests.fakes.pardot import BUSINESS_UNIT as PARDOT_BUSINESS_UNIT  # noqa: E402
from tests.fakes.pardot import CLIENT_ID as PARDOT_CLIENT_ID  # noqa: E402
from tests.fakes.platforms import DEFAULT_TOKENS, FakePlatforms  # noqa: E402

SETUP: dict[str, tuple[str, str, str]] = {
    # platform -> (credential variable, audit zone = the account's, source option)
    "hubspot": ("HUBSPOT_TOKEN", "Europe/Madrid", "base_url"),
    "mailchimp": ("MAILCHIMP_API_KEY", "Europe/Madrid", "base_url"),
    "activecampaign": ("ACTIVECAMPAIGN_API_TOKEN", "America/Chicago", "account_url"),
    "klaviyo": ("KLAVIYO_API_KEY", "Europe/Madrid", "base_url"),
    "brevo": ("BREVO_API_KEY", "Europe/Madrid", "base_url"),
    "marketo": ("MARKETO_CLIENT_SECRET", "America/Chicago", "base_url"),
    "pardot": ("SALESFORCE_CLIENT_SECRET", "America/New_York", "base_url"),
}
EXTRA_ENV = {
    "marketo": {"MARKETO_CLIENT_ID": MARKETO_CLIENT_ID},
    "pardot": {"SALESFORCE_CLIENT_ID": PARDOT_CLIENT_ID},
}
NEVER_WAIT = {"marketo"}
"""Marketo's export jobs are polled once a minute: its realistic run counts those waits
(in the connector's log) instead of sleeping them."""
EXTRA = {  # the fake accounts' own segment and deal stages
    "klaviyo": "  new_contacts_segment: SegAll1\n",
    "brevo": "  won_stages: [Ganado]\n  lost_stages: [Perdido]\n",
    "marketo": "  mql_date_field: mQLDate\n  sql_date_field: sQLDate\n",
    "pardot": f"  business_unit_id: {PARDOT_BUSINESS_UNIT}\n  login_url: {{url}}\n",
}
BUILTIN = dict(registry._BUILTIN)


def write_config(folder: Path, platform: str, url: str, period: str = "2026-Q3") -> Path:
    _, tz, option = SETUP[platform]
    path = folder / f"{platform}.yaml"
    path.write_text(
        f"client: Bench {platform}\nperiod: {period}\nlanguage: en\ntimezone: {tz}\n"
        f"source:\n  connector: {platform}\n  {option}: {url}\n"
        f"{EXTRA.get(platform, '').format(url=url)}"
        "costs: {currency: EUR, platform: 3000, staff: 6000, services: 1000, media: 2000, "
        "sales: 4000, overhead: 1000}\nfinance: {gross_margin: 0.5}\n",
        encoding="utf-8",
    )
    return path


# --- connectors that never wait (scaling runs only) ----------------------------------------


class _NoWait:
    offset: ClassVar[float] = 0.0

    @staticmethod
    def sleep(seconds: float) -> None:
        _NoWait.offset += seconds

    @staticmethod
    def clock() -> float:
        return time.monotonic() + _NoWait.offset

    def __init__(self, options: Any, config_dir: Path, timezone: str = "UTC") -> None:
        super().__init__(  # type: ignore[call-arg]
            options, config_dir, timezone, sleep=_NoWait.sleep, clock=_NoWait.clock
        )


class NoWaitHubSpot(_NoWait, HubSpotConnector):
    pass


class NoWaitMailchimp(_NoWait, MailchimpConnector):
    pass


class NoWaitActiveCampaign(_NoWait, ActiveCampaignConnector):
    pass


class NoWaitKlaviyo(_NoWait, KlaviyoConnector):
    pass


class NoWaitBrevo(_NoWait, BrevoConnector):
    pass


class NoWaitMarketo(_NoWait, MarketoConnector):
    pass


class NoWaitPardot(_NoWait, PardotConnector):
    pass


NO_WAIT = {
    "hubspot": NoWaitHubSpot,
    "mailchimp": NoWaitMailchimp,
    "activecampaign": NoWaitActiveCampaign,
    "klaviyo": NoWaitKlaviyo,
    "brevo": NoWaitBrevo,
    "marketo": NoWaitMarketo,
    "pardot": NoWaitPardot,
}


def use_connectors(waiting: bool) -> None:
    for name, cls in NO_WAIT.items():
        real = waiting and name not in NEVER_WAIT
        registry._BUILTIN[name] = BUILTIN[name] if real else f"{__name__}:{cls.__name__}"


# --- one audit ----------------------------------------------------------------------------


def run(
    platform: str, spec: AccountSpec, folder: Path, recorded: bool = False, **server: Any
) -> dict[str, Any]:
    """One 2026-Q3 audit; `recorded`: after 2026-Q2's, recorded in the history store
    (the months it fetched are reused: auditor/pipeline/recorded.py), counting Q3's only."""
    spec = replace(spec, timezone=SETUP[platform][1])
    variable = SETUP[platform][0]
    with FakePlatforms(spec, **server) as fake:
        os.environ[variable] = DEFAULT_TOKENS[platform]
        os.environ.update(EXTRA_ENV.get(platform, {}))
        try:
            if recorded:
                store = HistoryStore(folder / ".auditor" / "history.sqlite")
                q2 = write_config(folder, platform, fake.url(platform), "2026-Q2")
                store.record(audit(load_config(q2)).to_json())
            before = len(fake.platforms[platform].requests())
            started = time.perf_counter()
            result = audit(load_config(write_config(folder, platform, fake.url(platform))))
            wall = time.perf_counter() - started
        finally:
            os.environ.pop(variable, None)
            for name in EXTRA_ENV.get(platform, {}):
                os.environ.pop(name, None)
        seen = fake.platforms[platform].requests()[before:]
    by_endpoint: dict[str, Counter[int]] = {}
    for s in seen:
        endpoint = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27}/", "/{id}/", s.endpoint)  # a job's id
        by_endpoint.setdefault(endpoint, Counter())[s.status] += 1
    return {
        "wall": wall,
        "requests": len(seen),
        "throttled": sum(1 for s in seen if s.status == 429),
        "by_endpoint": by_endpoint,
        "log": result.source["provenance"]["http"],
        "months": len(result.snapshot["monthly"]),
    }


def realistic(platforms: list[str], spec: AccountSpec, latency: tuple[float, float]) -> None:
    use_connectors(waiting=True)
    print(
        f"== quarterly audit (2026-Q3: 19 months fetched), {spec.contacts:,} contacts, "
        f"{spec.campaigns:,} campaigns, {spec.deals:,} deals, latency "
        f"{latency[0] * 1000:.0f}-{latency[1] * 1000:.0f} ms, documented rate limits on"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for platform in platforms:
            limits = platform not in NEVER_WAIT  # waits not slept cannot let a window pass
            out = run(platform, spec, Path(tmp), latency=latency, rate_limits=limits)
            log = out["log"]
            print(f"\n{platform}: {out['requests']} requests in {out['wall']:.1f} s wall")
            for endpoint, statuses in sorted(out["by_endpoint"].items()):
                shown = ", ".join(f"{n} x {code}" for code, n in sorted(statuses.items()))
                print(f"  {sum(statuses.values()):4d}  {endpoint}  ({shown})")
            print(
                f"  server answered 429: {out['throttled']}; connector log: "
                f"{log['requests']} requests, {log['retries']} retries, {log['pages']} pages, "
                f"{log['seconds']:.1f} s in requests, {log['waited']:.1f} s waiting "
                "(pacing + Retry-After)"
            )
            with tempfile.TemporaryDirectory() as nxt:
                later = run(platform, spec, Path(nxt), True, latency=latency, rate_limits=limits)
            print(
                f"  the next quarter, once 2026-Q2's audit is recorded: {later['requests']} "
                f"requests in {later['wall']:.1f} s wall ({later['months']} months in the "
                "result, the closed ones from the history store)"
            )


def scaling(platforms: list[str], spec: AccountSpec) -> None:
    use_connectors(waiting=False)
    variants = [
        ("as above", {}),
        ("1,000 contacts", {"contacts": 1_000}),
        ("100,000,000 contacts", {"contacts": 100_000_000}),
        ("4x campaigns", {"campaigns": spec.campaigns * 4}),
        ("4x deals", {"deals": spec.deals * 4}),
        ("10x workflows", {"workflows": spec.workflows * 10, "automations": spec.automations * 10}),
    ]
    print("\n== requests per quarterly audit as the account grows (no latency, no waits)")
    print("   first: no history; next: after 2026-Q2's audit was recorded")
    header = f"{'account':24s}" + "".join(f"{p + ' first/next':>26s}" for p in platforms)
    print(header)
    for label, change in variants:
        varied = replace(spec, **change)
        counts = []
        for p in platforms:
            with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as nxt:
                counts.append(
                    f"{run(p, varied, Path(first))['requests']}/"
                    f"{run(p, varied, Path(nxt), recorded=True)['requests']}"
                )
        print(f"{label:24s}" + "".join(f"{n:>26s}" for n in counts))
    use_connectors(waiting=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--platforms", default="hubspot,mailchimp,activecampaign,klaviyo,brevo,marketo,pardot"
    )
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--campaigns", type=int, default=2_000)
    parser.add_argument("--latency-ms", default="20,50")
    parser.add_argument("--no-scaling", action="store_true")
    args = parser.parse_args()
    platforms = [p.strip() for p in args.platforms.split(",") if p.strip()]
    low, _, high = args.latency_ms.partition(",")
    latency = (float(low) / 1000, float(high or low) / 1000)
    spec = AccountSpec(contacts=args.contacts, campaigns=args.campaigns)
    realistic(platforms, spec, latency)
    if not args.no_scaling:
        scaling(platforms, spec)


if __name__ == "__main__":
    main()
