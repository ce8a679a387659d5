"""`source:` of a Brevo audit."""

from __future__ import annotations

from auditor.connectors.base import EnvVarName, HttpOptions


class BrevoOptions(HttpOptions):
    """`source:` options: the variable holding the account's API key."""

    api_key_env: EnvVarName = "BREVO_API_KEY"
    """Variable holding an API key (SMTP & API > API keys; keys start with `xkeysib-`),
    sent in the `api-key` header."""
