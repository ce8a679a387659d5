"""Credentials kept out of every message and log line the HTTP layer writes."""

from __future__ import annotations

import base64
import binascii
import logging
import weakref
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "***"
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-token", "x-api-key", "apikey", "cookie"}
)


class Redactor:
    """Replaces every registered secret (and its URL-encoded forms) with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: list[str] = []
        for secret in secrets:
            self.add(secret)
        _REDACTORS.add(self)

    def add(self, secret: str | None) -> None:
        """Register a secret; empty values are ignored."""
        if not secret or not secret.strip():
            return
        forms = {secret, secret.strip(), quote(secret, safe=""), quote_plus(secret)}
        self._forms = sorted(set(self._forms) | forms, key=len, reverse=True)

    def add_header(self, name: str, value: str) -> None:
        """Register a credential header's value, its token part and a Basic password."""
        if name.lower() not in SENSITIVE_HEADERS:
            return
        self.add(value)
        scheme, _, credential = value.strip().partition(" ")
        if not credential:
            return
        self.add(credential)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credential, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return
            self.add(decoded)
            self.add(decoded.partition(":")[2])

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, REDACTED)
        return text


_REDACTORS: weakref.WeakSet[Redactor] = weakref.WeakSet()


class _RedactingFilter(logging.Filter):
    """Scrubs the secrets of every live client from records of the loggers that see URLs."""

    def filter(self, record: logging.LogRecord) -> bool:
        redactors = list(_REDACTORS)
        if not redactors:
            return True
        message = record.getMessage()
        clean = message
        for redactor in redactors:
            clean = redactor(clean)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_FILTER = _RedactingFilter()
for _name in ("auditor.http", "urllib3.connectionpool"):
    if _FILTER not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_FILTER)


# --- the request log ----------------------------------------------------------------------
