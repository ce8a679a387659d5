"""What a rule-test file may say: its cases, their metrics and expectations, and the
tolerances a number is compared with."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from auditor.core.models import Finding
from auditor.core.vocabulary import Language

DEFAULT_PERIOD = "2026-Q3"
CLIENT = {"name": "Test client", "slug": "test-client"}
REL_TOLERANCE = 1e-9
ABS_TOLERANCE = 1e-12
_SAMPLE = Finding(
    rule="r",
    category="response",
    status="pass",
    score=None,
    weight=0.0,
    metric="m",
    value=None,
    unit="",
    threshold=None,
    message="",
    recommendation="",
)
FINDING_FIELDS: tuple[str, ...] = tuple(_SAMPLE.to_json())
CONTAINS_FIELDS = {"message_contains": "message", "recommendation_contains": "recommendation"}
EXPECT_FIELDS: tuple[str, ...] = (*FINDING_FIELDS, *CONTAINS_FIELDS)
_SECTIONS = ("metrics", "previous", "last_year")
_BARE = re.compile(r"^[\w.%+<>=-]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseSpec(_Strict):
    """One case: metric values in, expected findings out."""

    name: Annotated[str, Field(min_length=1)]
    metrics: dict[str, Any] = Field(default_factory=dict)
    previous: dict[str, Any] = Field(default_factory=dict)
    last_year: dict[str, Any] = Field(default_factory=dict)
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    today: date | None = None
    period: Any = None  # any form an audit config accepts; default DEFAULT_PERIOD
    language: Language = "en"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    expect: Annotated[dict[str, dict[str, Any]], Field(min_length=1)]


class SuiteSpec(_Strict):
    """A test file: the pack(s) under test and their cases."""

    pack: Annotated[str, Field(min_length=1)] | None = None
    packs: Annotated[list[str], Field(min_length=1)] | None = None
    cases: Annotated[list[CaseSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _one_pack_key(self) -> SuiteSpec:
        if self.pack is not None and self.packs is not None:
            raise ValueError("give either 'pack' or 'packs', not both")
        if self.pack is None and self.packs is None:
            raise ValueError(
                "name the pack under test: 'pack: default' or 'pack: ../rules/my-pack.yaml'"
            )
        return self

    @property
    def pack_refs(self) -> list[str]:
        return [self.pack] if self.pack is not None else list(self.packs or [])
