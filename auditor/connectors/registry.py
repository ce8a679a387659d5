"""Finding connectors through the `auditor.connectors` entry-point group.

Built-in connectors register through the same group (pyproject.toml), as
third-party plugins do; the built-ins are also known directly so a source
checkout without an install still works.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points

from auditor.connectors.base import Connector
from auditor.errors import InputError, Problem

GROUP = "auditor.connectors"
_BUILTIN = {"file": "auditor.connectors.file:FileConnector"}


def _load_ref(ref: str) -> type[Connector]:
    module, _, attr = ref.partition(":")
    return getattr(import_module(module), attr)


def available() -> dict[str, str]:
    """Connector name -> import reference, built-ins first."""
    found = dict(_BUILTIN)
    for ep in entry_points(group=GROUP):
        found.setdefault(ep.name, ep.value)
    return found


def load(name: str) -> type[Connector]:
    """The connector class called `name`; an unknown name is an input error listing the known."""
    refs = available()
    if name not in refs:
        known = ", ".join(sorted(refs))
        raise InputError(Problem(f"unknown connector '{name}'; installed connectors: {known}"))
    try:
        cls = _load_ref(refs[name])
    except (ImportError, AttributeError) as exc:
        raise InputError(
            Problem(f"connector '{name}' ({refs[name]}) failed to load: {exc}")
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise InputError(Problem(f"connector '{name}' ({refs[name]}) is not a Connector class"))
    return cls
