"""`source:` of an ActiveCampaign audit, and its retry of a first refused request."""

from __future__ import annotations

import requests

from auditor.connectors.base import BaseUrl, EnvVarName, HttpOptions


class ActiveCampaignOptions(HttpOptions):
    """`source:` options: the account's API URL and the variable holding its API token."""

    account_url: BaseUrl | None = None
    """https://youraccount.api-us1.com (Settings > Developer); `base_url` overrides it."""
    token_env: EnvVarName = "ACTIVECAMPAIGN_API_TOKEN"


class RetryForbiddenOnce:
    """`retry_if` for ActiveCampaign's intermittent 403s: one more try, not more.

    A second 403 in a row for the same URL is a real refusal (a bad token or a
    missing permission) and fails at once, so a wrong token costs one extra
    request, not a full round of backoff.  One instance per client: it keeps state.
    """

    def __init__(self) -> None:
        self._last: str | None = None

    def __call__(self, response: requests.Response) -> bool:
        if response.status_code != 403:
            self._last = None
            return False
        url = response.request.url if response.request is not None else response.url
        if self._last == url:
            self._last = None
            return False
        self._last = url
        return True
