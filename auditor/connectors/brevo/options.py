"""`source:` of a Brevo audit."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from auditor.connectors.base import EnvVarName, HttpOptions

StageRef = Annotated[str, Field(min_length=1, max_length=200)]
AttributeName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]


class BrevoOptions(HttpOptions):
    """`source:` options: the variable holding the account's API key, and which CRM deal
    stages are won and lost (Brevo's pipelines and stages are the account's own)."""

    api_key_env: EnvVarName = "BREVO_API_KEY"
    """Variable holding an API key (SMTP & API > API keys; keys start with `xkeysib-`),
    sent in the `api-key` header."""
    won_stages: tuple[StageRef, ...] = ()
    """Names or ids of the deal stages whose deals are won (as listed by `auditor
    connectors test`, from GET /crm/pipeline/details/all). Without any, the CRM deals
    are not read and the deal metrics are not measured, saying so."""
    lost_stages: tuple[StageRef, ...] = ()
    """Names or ids of the deal stages whose deals are lost."""
    deal_amount_attribute: AttributeName = "amount"
    """Internal name of the deal attribute holding the deal's amount."""
    deal_closed_attribute: AttributeName = "close_date"
    """Internal name of the date attribute saying when a deal was closed: a won or lost
    deal counts in the month of this date."""

    @model_validator(mode="after")
    def _stages_apart(self) -> BrevoOptions:
        both = sorted(set(self.won_stages) & set(self.lost_stages))
        if both:
            raise ValueError(f"a stage cannot be both won and lost: {', '.join(both)}")
        if self.lost_stages and not self.won_stages:
            raise ValueError("lost_stages needs won_stages too (the close rate needs both)")
        return self
