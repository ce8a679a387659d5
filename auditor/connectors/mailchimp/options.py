"""`source:` of a Mailchimp audit: the key's variable and the audience."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from auditor.connectors.base import EnvVarName, HttpOptions
from auditor.connectors.mailchimp.api import _LIST_ID


def _list_id(value: str | None) -> str | None:
    if value is None:
        return None
    if not _LIST_ID.match(value.strip()):
        raise ValueError(
            "expected a Mailchimp audience id such as a1b2c3d4e5 (Audience > Settings > "
            "Audience name and defaults > Audience ID)"
        )
    return value.strip()


class MailchimpOptions(HttpOptions):
    """`source:` options of the Mailchimp connector."""

    api_key_env: EnvVarName = "MAILCHIMP_API_KEY"
    """The variable holding the API key (`<32 hex>-<dc>`, e.g. ...-us21)."""
    list_id: Annotated[str | None, AfterValidator(_list_id)] = None
    """Audit one audience (list) only: its campaigns, automations and store."""
    page_size: int = Field(default=1000, ge=1, le=1000)
    """Records per request (Mailchimp's `count`, at most 1000)."""
