"""Keeping credentials out of messages: what looks like one, and hiding the environment's.

Secrets reach the auditor only through environment variables (a connector
reads the variable its `*_env` option names).  A user may still put one where
it does not belong: `token_env: ${AC_TOKEN}` (the value, not the name), a
token pasted into an option, `${SECRET}` in `client:`.  Messages must then say
what is wrong without quoting it, so every place that echoes an input value
asks here first, and the CLI passes every error through `hide_environment`
as a last line of defence.

"Looks like a credential" is a heuristic, documented so users can predict it:
a run of at least `CREDENTIAL_MIN_RUN` letters and digits, mixing both (hex
and base62 tokens, `pk_live_...`, a Mailchimp key), where environment
variable names (`HUBSPOT_TOKEN`, `CLIENT_ACME_TOKEN_2024`) have short runs or
no digits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

CREDENTIAL_MIN_RUN = 16
"""Letters-and-digits run length from which a mixed run counts as a credential."""

_RUN = re.compile(r"[A-Za-z0-9]+")
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
CREDENTIAL_WORDS = frozenset(
    {
        "apikey",
        "auth",
        "bearer",
        "cookie",
        "credential",
        "credentials",
        "key",
        "passphrase",
        "passwd",
        "password",
        "pwd",
        "secret",
        "session",
        "token",
    }
)
"""Option names containing one of these words hold (or name) a credential."""


def looks_like_credential(text: str) -> bool:
    """True if `text` contains a long run of letters mixed with digits (a token or key)."""
    for run in _RUN.findall(text):
        if (
            len(run) >= CREDENTIAL_MIN_RUN
            and any(c.isdigit() for c in run)
            and any(c.isalpha() for c in run)
        ):
            return True
    return False


def is_credential_name(name: str) -> bool:
    """True for option names such as `token`, `api_key`, `clientSecret`, `token_env`."""
    words = {word.lower() for word in _WORDS.findall(name)}
    return bool(words & CREDENTIAL_WORDS)


def hide_environment(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with the value of every credential-looking environment variable as `${NAME}`."""
    env = os.environ if environ is None else environ
    found = [
        (value, name)
        for name, value in env.items()
        if value and value in text and looks_like_credential(value)
    ]
    for value, name in sorted(found, key=lambda pair: len(pair[0]), reverse=True):
        text = text.replace(value, f"${{{name}}}")
    return text
