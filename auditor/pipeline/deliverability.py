"""Deliverability inside an audit: when the config names the sending domains, their
checks run with the audit (DNS answers recorded in the snapshot's provenance, so
`--from-snapshot` replays them with no network), each becomes a finding of the
`deliverability` category (shown, gated by `--fail-on`, not scored), and the whole table
is the result's `analysis.deliverability` section (docs/deliverability.md).

When the source reports each campaign's sends and hard bounces, every audit also
judges the audited months' campaigns against the platforms' suspension lines
(deliverability/campaigns.py): one more finding, and the section's `campaigns`; when it
counts its unengaged contacts (HubSpot), the unengaged share
(deliverability/engagement.py): one more, and the section's `engagement`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import partial
from typing import Any

from auditor.config.settings import AuditConfig, DeliverabilitySettings
from auditor.core.models import Finding, SourceData
from auditor.deliverability import engagement as graymail
from auditor.deliverability.campaigns import (
    CHECK_ID,
    ISP_LINE,
    MIN_SENT,
    CampaignBounces,
    judge_campaigns,
)
from auditor.deliverability.checks import check_domain
from auditor.deliverability.dns import Replay, Resolver, TxtLookup
from auditor.deliverability.message import SampleMessage, read_message
from auditor.deliverability.model import Check, DeliverabilityResult, organisational_domain
from auditor.deliverability.names import name_server
from auditor.deliverability.sources import SOURCES

KEY = "deliverability"
RECORDED = "deliverability_dns"
"""The provenance key holding the DNS answers read, by name."""
_ORDER = ("fail", "unknown", "warn", "pass", "info")
_STATUS = {"pass": "pass", "warn": "warn", "fail": "fail", "unknown": "no_data"}


def check_deliverability(
    config: AuditConfig, data: SourceData, language: str
) -> tuple[dict[str, Any] | None, list[Finding], SourceData]:
    """The section, the findings, and `data` with the DNS answers recorded."""
    section, findings, data = _check_domains(config, data, language)
    campaigns = judge_campaigns(data.campaigns, config.period.months, data.connector)
    if campaigns is not None:
        section = section or {"replayed": "replayed_from" in data.provenance, "domains": []}
        section["campaigns"] = campaigns.to_json()
        findings.append(_campaign_finding(campaigns, language))
    if data.engagement is not None:
        unengaged = graymail.UnengagedShare(data.engagement)
        section = section or {"replayed": "replayed_from" in data.provenance, "domains": []}
        finding = _engagement_finding(unengaged, language)
        section["engagement"] = {**unengaged.to_json(), "detail": finding.message}
        findings.append(finding)
    return section, findings, data


def _check_domains(
    config: AuditConfig, data: SourceData, language: str
) -> tuple[dict[str, Any] | None, list[Finding], SourceData]:
    settings = config.deliverability
    if settings is None:
        return None, [], data
    replayed = "replayed_from" in data.provenance
    lookup = Replay(_recorded(data.provenance.get(RECORDED))) if replayed else _resolver(settings)
    message = read_message(settings.sample_message) if settings.sample_message else None
    target = _message_domain(settings.domains, message)
    results = [
        check_domain(
            domain,
            lookup,
            selectors=settings.selectors,
            message=message if domain == target else None,
        )
        for domain in settings.domains
    ]
    answers = dict(lookup.answers)
    recorded = dataclasses.replace(data, provenance={**data.provenance, RECORDED: answers})
    several = len(results) > 1
    findings = [f for r in results for f in _findings(r, language, several)]
    return _section(results, language, replayed), findings, recorded


def _resolver(settings: DeliverabilitySettings) -> TxtLookup:
    if settings.nameserver:
        host, port = name_server(settings.nameserver)
        return Resolver([host], port=port, timeout=settings.timeout)
    return Resolver(timeout=settings.timeout)


def _recorded(raw: Any) -> dict[str, list[str] | None]:
    """A snapshot's answers, shape-checked (a snapshot is a user's file): anything
    malformed is left out, and its lookups replay as "could not check"."""
    out: dict[str, list[str] | None] = {}
    if isinstance(raw, Mapping):
        for name, texts in raw.items():
            if (
                isinstance(name, str)
                and isinstance(texts, list)
                and all(isinstance(t, str) for t in texts)
            ):
                out[name] = list(texts)
    return out


def _message_domain(domains: tuple[str, ...], message: SampleMessage | None) -> str | None:
    """The configured domain the sample message belongs to (its From organisation),
    else the first."""
    if message is None or not domains:
        return None
    if message.from_domain:
        sender = organisational_domain(message.from_domain)
        for domain in domains:
            if organisational_domain(domain) == sender:
                return domain
    return domains[0]


def _grouped(result: DeliverabilityResult) -> dict[str, list[Check]]:
    groups: dict[str, list[Check]] = {}
    for check in result.checks:
        if check.status != "info":  # BIMI and MTA-STS inform the section, not the findings
            groups.setdefault(check.id, []).append(check)
    return groups


def _findings(result: DeliverabilityResult, language: str, several: bool) -> list[Finding]:
    from auditor.core.strings import Translator

    say = Translator(language)
    out = []
    for check_id, checks in _grouped(result).items():
        worst = min(checks, key=lambda c: _ORDER.index(c.status))
        suffix = f"-{result.domain.replace('.', '-')}" if several else ""
        sources = tuple(dict.fromkeys(k for c in checks for k in c.sources))
        detail = "; ".join(dict.fromkeys(c.detail_in(language) for c in checks))
        out.append(
            _finding(
                f"{check_id}{suffix}",
                worst.status,
                threshold=say(f"deliverability.applies_short.{worst.applies}"),
                message=f"{result.domain}: {detail}",
                advice=say(f"deliverability.advice.{check_id}"),
                title=worst.title_in(language),
                sources=sources,
            )
        )
    return out


def _finding(
    check: str,
    status: str,
    *,
    threshold: str,
    message: str,
    advice: str,
    title: str,
    sources: tuple[str, ...],
) -> Finding:
    """A deliverability finding: shown and gated like any, weight 0 so it moves no score."""
    return Finding(
        rule=f"deliverability-{check}",
        category=KEY,
        status=_STATUS[status],
        score=None,
        weight=0.0,
        metric="",
        value=None,
        unit="",
        threshold=threshold,
        message=message,
        recommendation=advice,
        title=title,
        source="; ".join(SOURCES[k][0] for k in sources),
        pack=KEY,
        citations=tuple({"title": SOURCES[k][0], "url": SOURCES[k][1]} for k in sources),
    )


def _campaign_finding(campaigns: CampaignBounces, language: str) -> Finding:
    from auditor.core import formatting
    from auditor.core.strings import Translator

    say = Translator(language)
    rate = partial(formatting.pct, language=language, digits=1)
    count = partial(formatting.number, language=language)
    platform = campaigns.platform_name or say("deliverability.campaigns.your_platform")
    parts = []
    over, judged = campaigns.over, campaigns.judged
    if over:
        top = over[0]
        parts.append(
            say(
                "deliverability.campaigns.over",
                over=count(len(over)),
                judged=count(len(judged)),
                warn=rate(ISP_LINE),
                name=top.send.name,
                date=formatting.day(top.send.sent_on, language),
                rate=rate(top.rate),
                hard=count(top.send.hard_bounces),
                sent=count(top.send.sent),
            )
        )
    elif judged:
        parts.append(
            say(
                "deliverability.campaigns.none_over",
                judged=count(len(judged)),
                warn=rate(ISP_LINE),
                rate=rate(max(s.rate for s in judged)),
            )
        )
    small = len(campaigns.sends) - len(judged)
    if small:
        key = "all_small" if not judged else "small"
        parts.append(
            say(f"deliverability.campaigns.{key}", count=count(small), min=count(MIN_SENT))
        )
    line = "limit_published" if campaigns.published else "limit_unpublished"
    parts.append(
        say(f"deliverability.campaigns.{line}", platform=platform, limit=rate(campaigns.fail_line))
    )
    return _finding(
        CHECK_ID,
        campaigns.worst,
        threshold=say(
            "deliverability.campaigns.threshold",
            warn=rate(ISP_LINE),
            limit=rate(campaigns.fail_line),
            min=count(MIN_SENT),
        ),
        message="; ".join(parts),
        advice=say(f"deliverability.advice.{CHECK_ID}"),
        title=say(f"deliverability.title.{CHECK_ID}"),
        sources=campaigns.sources,
    )


def _engagement_finding(unengaged: graymail.UnengagedShare, language: str) -> Finding:
    from auditor.core import formatting
    from auditor.core.strings import Translator

    say = Translator(language)
    e = unengaged.engagement
    rate = partial(formatting.pct, language=language, digits=1)
    count = partial(formatting.number, language=language)
    key = "too_few" if unengaged.status == "unknown" else "share"
    return _finding(
        graymail.CHECK_ID,
        unengaged.status,
        threshold=say(
            "deliverability.engagement.threshold",
            warn=rate(graymail.WARN_ABOVE),
            fail=rate(graymail.FAIL_ABOVE),
            min=count(graymail.MIN_MAILED),
        ),
        message=say(
            f"deliverability.engagement.{key}",
            unengaged=count(e.contacts_unengaged),
            mailed=count(e.contacts_emailed),
            share=rate(unengaged.share),
            date=formatting.day(e.as_of, language),
            min=count(graymail.MIN_MAILED),
            rule=say(f"deliverability.engagement.rule.{e.platform}"),
        ),
        advice=say(f"deliverability.advice.{graymail.CHECK_ID}"),
        title=say(f"deliverability.title.{graymail.CHECK_ID}"),
        sources=unengaged.sources,
    )


def _section(results: list[DeliverabilityResult], language: str, replayed: bool) -> dict[str, Any]:
    return {
        "replayed": replayed,
        "domains": [
            {
                "domain": r.domain,
                "message": r.message,
                "worst": r.worst,
                "checks": [c.to_json(language) for c in r.checks],
            }
            for r in results
        ],
    }
