"""`source:` of a Klaviyo audit."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from auditor.connectors.base import EnvVarName, HttpOptions

DEFAULT_REVISION = "2026-07-15"
"""The API revision this connector was written and tested against (the `revision` header
every request must carry); the OpenAPI files of github.com/klaviyo/openapi at that date."""

Revision = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}(\.[a-z0-9]+)?$")]
SegmentId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class KlaviyoOptions(HttpOptions):
    """`source:` options: the variable holding the private API key, the pinned revision,
    the conversion metric and the segment whose growth counts as new contacts."""

    key_env: EnvVarName = "KLAVIYO_API_KEY"
    """Variable holding a private API key (Settings > API keys) with read access to
    accounts, campaigns, flows, metrics and segments."""
    revision: Revision = DEFAULT_REVISION
    """The `revision` header: the API version the answers follow. Change it only after
    checking the connector against that revision's changelog."""
    conversion_metric: Annotated[str, Field(min_length=1, max_length=200)] = "Placed Order"
    """The name of the metric whose value is the attributed revenue (Klaviyo's reports
    need one; e-commerce integrations call it 'Placed Order')."""
    new_contacts_segment: SegmentId | None = None
    """Id of a segment every subscribed profile joins (e.g. 'All subscribers'): the
    profiles it gained in a month are the month's new contacts (leads_new). Without it,
    leads_new is not measured."""
