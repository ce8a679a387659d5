"""Finding connectors through the `auditor.connectors` entry-point group.

Built-in connectors register through the same group (pyproject.toml), as
third-party plugins do; the built-ins are also known directly so a source
checkout without an install still works.  A class is checked against the
contract (`base.contract_problems`) when it is loaded, so a plugin declaring an
unknown metric id fails with a message naming it, not later inside an audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points

from auditor.connectors.base import Connector, contract_problems
from auditor.core.errors import InputError, Problem

GROUP = "auditor.connectors"
_BUILTIN = {
    "file": "auditor.connectors.file:FileConnector",
    "hubspot": "auditor.connectors.hubspot:HubSpotConnector",
    "mailchimp": "auditor.connectors.mailchimp:MailchimpConnector",
    "activecampaign": "auditor.connectors.activecampaign:ActiveCampaignConnector",
    "klaviyo": "auditor.connectors.klaviyo:KlaviyoConnector",
    "brevo": "auditor.connectors.brevo:BrevoConnector",
    "marketo": "auditor.connectors.marketo:MarketoConnector",
    "pardot": "auditor.connectors.pardot:PardotConnector",
    "warehouse": "auditor.connectors.warehouse:WarehouseConnector",
}


@dataclass(frozen=True)
class Installed:
    """One registered connector: its class, or why it could not be loaded."""

    name: str
    ref: str
    cls: type[Connector] | None = None
    error: str | None = None


class _LoadError(Exception):
    """A connector that cannot be used; the message is shown as is."""


def _load_ref(ref: str) -> object:
    module, _, attr = ref.partition(":")
    found: object = import_module(module.strip())
    for part in attr.strip().split(".") if attr.strip() else ():
        found = getattr(found, part)
    return found


def available() -> dict[str, str]:
    """Connector name -> import reference, built-ins first."""
    found = dict(_BUILTIN)
    for ep in entry_points(group=GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def _import(name: str, ref: str) -> type[Connector]:
    try:
        cls = _load_ref(ref)
    except Exception as exc:  # a plugin may raise anything while importing
        detail = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        raise _LoadError(
            f"connector '{name}' ({ref}) failed to import: {detail}; reinstall or "
            "uninstall the package that provides it"
        ) from None
    problems = contract_problems(cls, name, complete=False)
    if problems:
        raise _LoadError(
            f"connector '{name}' ({ref}) breaks the connector contract: " + "; ".join(problems)
        )
    assert isinstance(cls, type)
    assert issubclass(cls, Connector)
    return cls


def load(name: str) -> type[Connector]:
    """The connector class called `name`; an unknown or broken one is an InputError."""
    refs = available()
    if name not in refs:
        from auditor.core.validation import did_you_mean

        known = ", ".join(sorted(refs))
        hint = did_you_mean(name, refs)
        raise InputError(
            Problem(f"unknown connector '{name}'{hint}; installed connectors: {known}")
        )
    try:
        return _import(name, refs[name])
    except _LoadError as exc:
        raise InputError(Problem(str(exc))) from None


def installed() -> list[Installed]:
    """Every registered connector, sorted by name; broken ones carry their error."""
    out = []
    for name, ref in sorted(available().items()):
        try:
            out.append(Installed(name, ref, cls=_import(name, ref)))
        except _LoadError as exc:
            out.append(Installed(name, ref, error=str(exc)))
    return out
