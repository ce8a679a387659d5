"""Talking to one Marketo instance: the access token and Marketo's answers.

Marketo authenticates with a client-credentials token from its Identity endpoint
("GET <Identity URL>/oauth/token?grant_type=client_credentials&client_id=..&
client_secret=.."), sent in the `Authorization: Bearer` header ("Support for
authentication using the `access_token` query parameter is being removed").  A token
lives an hour ("A new access token has a lifespan of 3,600 seconds"): it is renewed a
minute before it ends, and again whenever an answer says 601 (invalid) or 602
(expired).  Marketo reports errors inside HTTP 200 answers (`success: false` and an
`errors` array): they are turned into the same errors as the other platforms' HTTP
codes here; throttling (606, 615) and the daily quota (607) are retried or stopped by
the client's policy (`api.retry_marketo`, `api.marketo_wait`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests

from auditor.connectors.http import HttpClient
from auditor.connectors.marketo.api import (
    ACCESS_DENIED,
    IDENTITY,
    PLATFORM,
    TOKEN_EXPIRED,
    TOKEN_INVALID,
    error_code,
    malformed,
)
from auditor.core.errors import SourceAuthError, SourceResponseError

RENEW_BEFORE = 60.0  # seconds before a token's end when it is renewed


class MarketoSession:
    """The REST client with a live token: `result` and `raw` renew it when needed."""

    def __init__(
        self,
        client: HttpClient,
        identity: HttpClient,
        credentials: tuple[str, str],
        variables: str,
        wall_clock: Callable[[], float],
    ) -> None:
        self.client = client
        self.identity = identity
        self._credentials = credentials
        self.variables = variables
        self._wall = wall_clock
        self._renew_at = -1.0
        self.scope = ""

    def renew(self) -> None:
        """A new token from the Identity endpoint, set on the REST client."""
        client_id, client_secret = self._credentials
        shown = f"GET {IDENTITY}"
        page = self.identity.get_json(
            IDENTITY,
            params={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )
        token = page.get("access_token") if isinstance(page, dict) else None
        if not isinstance(token, str) or not token:
            raise malformed(shown, "no 'access_token'", {"keys": sorted(page or {})})
        lifetime = page.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 3600.0
        self.client.add_secret(token)
        self.client.session.headers["Authorization"] = f"Bearer {token}"
        # "If you call the Identity endpoint before the token expires, the response returns
        # the same token and its remaining lifespan": a token with under a minute left is
        # used to its end (a 602 then renews it), not asked for again on every call
        margin = RENEW_BEFORE if seconds > 2 * RENEW_BEFORE else 0.0
        self._renew_at = self._wall() + seconds - margin
        self.scope = str(page.get("scope") or "")

    def _fresh(self) -> None:
        if self._wall() >= self._renew_at:
            self.renew()

    def result(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> list[Any]:
        """The `result` array of a successful answer (absent: empty, as the asset API
        answers a browse past its end with only a warning)."""
        shown = f"{method} {path.split('?')[0]}"
        for attempt in (1, 2):
            self._fresh()
            response = self.client.request(method, path, params=params, json=json)
            page = self.client.parse_json(response)
            if not isinstance(page, dict):
                raise malformed(shown, "not an object", page)
            if page.get("success") is not False:
                found = page.get("result", [])
                if not isinstance(found, list):
                    raise malformed(shown, "'result' is not a list", page)
                return found
            code, message = _first_error(page)
            if code in (TOKEN_INVALID, TOKEN_EXPIRED) and attempt == 1:
                self._renew_at = -1.0  # renew now, then send again
                continue
            raise self._error(shown, code, message)
        raise AssertionError("unreachable")  # pragma: no cover

    def raw(self, path: str, headers: Mapping[str, str] | None = None) -> requests.Response:
        """A non-JSON answer (an export file); an error comes as JSON, and 601/602 renew
        the token once as for `result`."""
        shown = f"GET {path}"
        for attempt in (1, 2):
            self._fresh()
            response = self.client.request("GET", path, headers=headers)
            code = error_code(response)
            if code is None:
                return response
            if code in (TOKEN_INVALID, TOKEN_EXPIRED) and attempt == 1:
                self._renew_at = -1.0
                continue
            _, message = _first_error(self.client.parse_json(response))
            raise self._error(shown, code, message)
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, shown: str, code: str, message: str) -> Exception:
        said = f"{code} {message}".strip()
        if code in (TOKEN_INVALID, TOKEN_EXPIRED, ACCESS_DENIED):
            what = (
                "the API-only user's role lacks a permission this read needs (Read-Only "
                "Activity, Read-Only Assets)"
                if code == ACCESS_DENIED
                else "the token again after renewing it"
            )
            return SourceAuthError(
                f"{PLATFORM} refused {shown} ({said}): {what}. Check the custom service "
                f"whose credentials are in {self.variables}",
                platform=PLATFORM,
                variable=self.variables,
                status=403 if code == ACCESS_DENIED else 401,
            )
        return MarketoError(f"{PLATFORM} rejected {shown} ({said})", code=code, message=message)


class MarketoError(SourceResponseError):
    """A response-level error Marketo answered (its code kept for the caller to act on)."""

    def __init__(self, text: str, *, code: str, message: str) -> None:
        super().__init__(text, platform=PLATFORM)
        self.code = code
        self.message = message


def _first_error(page: Mapping[str, Any]) -> tuple[str, str]:
    errors = page.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("code") or ""), str(errors[0].get("message") or "")
    return "", "success is false and no error is given"
