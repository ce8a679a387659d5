"""`HttpConnector`: the base of every platform connector (base URL, client, source data)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from auditor.connectors.base import DEFAULT_DEADLINE, Connector, ConnectorOptions, HttpOptions
from auditor.connectors.http.client import HttpClient
from auditor.connectors.http.policy import Deadline, HttpPolicy
from auditor.connectors.http.request_log import RequestLog
from auditor.core.errors import (
    InputError,
    Problem,
)
from auditor.core.models import CampaignSend, SourceData
from auditor.core.period import Month


class HttpConnector(Connector):
    """Base for connectors over HTTP: the shared client built from `policy` and options.

    Subclasses set `policy` and `default_base_url` (or override `api_base_url`),
    declare `Options` as an `HttpOptions` subclass with a `*_env` credential
    option, and call `self.http(...)` in `fetch`/`check`.  The request log of
    every client they made goes into `source_data(...)`'s provenance as 'http'.
    Tests inject `session`, `sleep`, `clock`, `wall_clock` and `random`.
    """

    Options: ClassVar[type[ConnectorOptions]] = HttpOptions
    policy: ClassVar[HttpPolicy]
    default_base_url: ClassVar[str | None] = None
    reuses_recorded_months: ClassVar[bool] = True

    def __init__(
        self,
        options: ConnectorOptions,
        config_dir: Path,
        timezone: str = "UTC",
        **transport: Any,
    ) -> None:
        super().__init__(options, config_dir, timezone)
        allowed = {"session", "sleep", "clock", "wall_clock", "random", "on_request"}
        unknown = set(transport) - allowed
        if unknown:
            raise TypeError(f"unexpected arguments: {', '.join(sorted(unknown))}")
        self.transport = transport
        self.clients: list[HttpClient] = []
        seconds = getattr(options, "deadline", None) or DEFAULT_DEADLINE
        self.deadline = Deadline(seconds, transport.get("clock", time.monotonic))

    def api_base_url(self) -> str:
        """`source.base_url` when given, else the platform's; override to derive it
        (Mailchimp's data centre comes from the key)."""
        chosen = getattr(self.options, "base_url", None) or self.default_base_url
        if not chosen:
            raise InputError(
                Problem(f"the {self.name} connector needs source.base_url (the API's URL)")
            )
        return chosen

    def http(
        self,
        *,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        credential_env: str | None = None,
        base_url: str | None = None,
        policy: HttpPolicy | None = None,
    ) -> HttpClient:
        """A client for this run; header credentials are redacted automatically."""
        client = HttpClient(
            policy or self.policy,
            base_url or self.api_base_url(),
            headers=headers,
            secrets=secrets,
            credential_env=credential_env,
            deadline=self.deadline,
            **self.transport,
        )
        self.clients.append(client)
        return client

    def request_log(self) -> RequestLog:
        """Every client's log added up."""
        total = RequestLog()
        for client in self.clients:
            total.merge(client.log)
        return total

    def source_data(
        self,
        monthly: Mapping[Month, Mapping[str, float]],
        *,
        label: str,
        provenance: Mapping[str, Any] | None = None,
        by_channel: Mapping[str, Mapping[Month, Mapping[str, float]]] | None = None,
        not_measured: Mapping[str, str] | None = None,
        campaigns: Sequence[CampaignSend] = (),
    ) -> SourceData:
        """As `Connector.source_data`, with the request log as provenance['http']."""
        merged = {"http": self.request_log().to_json(), **(provenance or {})}
        return super().source_data(
            monthly,
            label=label,
            provenance=merged,
            by_channel=by_channel,
            not_measured=not_measured,
            campaigns=campaigns,
        )
