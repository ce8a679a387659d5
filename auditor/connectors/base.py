"""The connector contract: options in, monthly base metrics plus provenance out.

Connectors know nothing of rules or scoring (DESIGN.md section 2).  Each one
declares its options as a pydantic model, so the audit config validates them
with the same file:line errors as every other key.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from auditor.models import SourceData
from auditor.period import Month


class ConnectorOptions(BaseModel):
    """Base for connector options: unknown keys are errors, like everywhere in the config."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Connector(ABC):
    """A data source.  Subclasses set `name`, `description` and `Options`."""

    name: ClassVar[str]
    description: ClassVar[str] = ""
    Options: ClassVar[type[ConnectorOptions]] = ConnectorOptions

    def __init__(self, options: ConnectorOptions, config_dir: Path) -> None:
        self.options = options
        self.config_dir = config_dir

    @abstractmethod
    def fetch(self, months: Sequence[Month]) -> SourceData:
        """Return base metrics for at least `months` (more history is welcome).

        Raise `InputError` for a bad data file and `SourceError` for an
        unreachable or refusing source.
        """
