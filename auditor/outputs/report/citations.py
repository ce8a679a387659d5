"""The report's list of the published works its findings cite (issue 21): each once, with
what its figure measures in the report's language and the work's own words, so a client
can look a threshold up (docs/citations.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.outputs.conditions import citation_text


def cited_works(result: Mapping[str, Any], language: str) -> list[dict[str, str]]:
    """Every distinct work cited by the audit's findings, in the order first cited."""
    seen: dict[tuple[str, str, str], dict[str, str]] = {}
    for finding in result.get("findings") or []:
        if not isinstance(finding, Mapping):
            continue
        for citation in finding.get("citations") or []:
            if not isinstance(citation, Mapping):
                continue
            key = (
                str(citation.get("publisher") or ""),
                str(citation.get("title") or ""),
                str(citation.get("year") or ""),
            )
            if key in seen:
                continue
            measures = citation.get("measures")
            url = str(citation.get("url") or "")
            read_at = str(citation.get("read_at") or "")
            seen[key] = {
                "text": citation_text(citation),
                # where to read it: the publisher's page, else the copy the quote was read in
                "url": url or read_at,
                # the copy the words were read in, when the publisher's page is not it (a
                # newer edition replaced it, or only a republication carries the figure)
                "read_at": read_at if url and read_at != url else "",
                "measures": str(measures.get(language) or "")
                if isinstance(measures, Mapping)
                else "",
                "quote": f"“{citation['quote']}”" if citation.get("quote") else "",
                "summary": "yes" if citation.get("wording") == "summary" else "",
            }
    return list(seen.values())
