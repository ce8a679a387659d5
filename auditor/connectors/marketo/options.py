"""`source:` of a Marketo Engage audit."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from auditor.connectors.base import MAX_DEADLINE, EnvVarName, HttpOptions
from auditor.core.validation import Number

MunchkinId = Annotated[str, Field(pattern=r"^[0-9]{3}-[A-Za-z]{3}-[0-9]{3}$")]
LeadField = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]


class MarketoOptions(HttpOptions):
    """`source:` options: the instance (its Munchkin id, or a `base_url`), the variables
    holding the custom service's client id and secret, and the fetch's deadline."""

    munchkin_id: MunchkinId | None = None
    """The instance's Munchkin id (Admin > Munchkin, e.g. 123-ABC-456): the API lives at
    https://<munchkin id>.mktorest.com. Not needed when `base_url` is given."""
    client_id_env: EnvVarName = "MARKETO_CLIENT_ID"
    """Variable holding the Client ID of a LaunchPoint custom service (Admin > Integration >
    LaunchPoint > View Details) whose API-only user may read activities and assets."""
    client_secret_env: EnvVarName = "MARKETO_CLIENT_SECRET"
    """Variable holding that custom service's Client Secret."""
    mql_date_field: LeadField | None = None
    """REST API name of the lead field holding the date a lead became marketing-qualified
    (each instance has its own; Admin > Field Management, or GET /rest/v1/leads/
    describe.json). A lead whose field changes in a month counts as an MQL of that month.
    Without it, mqls is not measured."""
    sql_date_field: LeadField | None = None
    """The same for sales-qualified leads (sqls)."""
    deadline: Annotated[Number, Field(gt=0, le=MAX_DEADLINE)] = 3600.0
    """Seconds the whole fetch may take. Marketo's bulk exports are asynchronous: a job's
    status changes at most once a minute and two run at a time, so a first audit (19
    monthly jobs) takes ten minutes or more."""

    @model_validator(mode="after")
    def _instance_named(self) -> MarketoOptions:
        if self.munchkin_id is None and self.base_url is None:
            raise ValueError(
                "give munchkin_id (Admin > Munchkin, e.g. 123-ABC-456) or base_url (the "
                "REST API's root, as in Admin > Web Services, without /rest)"
            )
        return self
