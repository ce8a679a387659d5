"""The connection every Mailchimp section shares: the data centre, the client, the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auditor.connectors.http import HttpClient, HttpConnector, basic_auth
from auditor.connectors.mailchimp.api import _DATA_CENTRE, BASIC_USER, _object, _refusal
from auditor.connectors.mailchimp.options import MailchimpOptions
from auditor.core.errors import InputError, Problem, SourceAuthError, SourceNotFoundError


class MailchimpBase(HttpConnector):
    """The connector's plumbing; the sections and the contract build on it."""

    def _options(self) -> MailchimpOptions:
        options = self.options
        assert isinstance(options, MailchimpOptions)
        return options

    def _base_for(self, key: str) -> str:
        options = self._options()
        if options.base_url:
            return options.base_url
        _, dash, centre = key.rpartition("-")
        centre = centre.strip().lower()
        if not dash or not _DATA_CENTRE.match(centre):
            variable = options.api_key_env
            raise InputError(
                Problem(
                    f"the Mailchimp API key in {variable} (named by source.api_key_env) does not "
                    "end in a data centre such as '-us21': copy the whole key from Mailchimp "
                    "(Profile > Extras > API keys), or set source.base_url to "
                    "https://<dc>.api.mailchimp.com/3.0"
                )
            )
        return f"https://{centre}.api.mailchimp.com/3.0"

    def api_base_url(self) -> str:
        """`source.base_url`, else `https://<dc>.api.mailchimp.com/3.0` from the key."""
        options = self._options()
        if options.base_url:
            return options.base_url
        return self._base_for(self.secret("api_key_env"))

    def _client(self) -> HttpClient:
        key = self.secret("api_key_env")  # InputError naming the variable if unset
        return self.http(
            headers={"Authorization": basic_auth(BASIC_USER, key)},
            credential_env=self._options().api_key_env,
            base_url=self._base_for(key),
        )

    def _now(self) -> datetime:
        wall = self.transport.get("wall_clock")
        seconds = wall() if wall is not None else datetime.now(UTC).timestamp()
        return datetime.fromtimestamp(seconds, UTC)

    def _listing(
        self,
        client: HttpClient,
        path: str,
        items: str,
        fields: str,
        *,
        what: str,
        unmeasured: tuple[str, ...],
        why: str,
        reasons: dict[str, str],
    ) -> list[dict[str, Any]] | None:
        """Every object of a paged list endpoint; None when the account may not read it
        (the key has just read /reports), with `why` as the reason of `unmeasured`."""
        try:
            return [
                _object(raw, f"{what} of GET {path}")
                for raw in client.paginate_offset(
                    path,
                    items=items,
                    params={"fields": fields},
                    page_size=self._options().page_size,
                    total="total_items",
                )
            ]
        except (SourceAuthError, SourceNotFoundError) as exc:
            reasons.update(dict.fromkeys(unmeasured, f"{_refusal(exc, f'GET {path}')}{why}"))
            return None
