"""`source:` of an Account Engagement (Pardot) audit."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from auditor.connectors.base import BaseUrl, EnvVarName, HttpOptions

BusinessUnitId = Annotated[str, Field(pattern=r"^0Uv[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$")]
StageName = Annotated[str, Field(min_length=1, max_length=100)]


class PardotOptions(HttpOptions):
    """`source:` options: the business unit, the Salesforce connected app's credentials and
    login URL, and the names of the MQL and SQL lifecycle stages."""

    business_unit_id: BusinessUnitId
    """The Account Engagement business unit id (Setup > Account Engagement > Business Unit
    Setup; 18 characters starting 0Uv), sent as `Pardot-Business-Unit-Id` on every call."""
    login_url: BaseUrl
    """The org's My Domain login URL (https://<domain>.my.salesforce.com; a sandbox's
    ends .sandbox.my.salesforce.com): the client credentials flow asks it for tokens."""
    client_id_env: EnvVarName = "SALESFORCE_CLIENT_ID"
    """Variable holding the consumer key of a connected app with the client credentials
    flow enabled and the `pardot_api` scope."""
    client_secret_env: EnvVarName = "SALESFORCE_CLIENT_SECRET"
    """Variable holding that connected app's consumer secret."""
    mql_stage: StageName = "MQL"
    """Name of the lifecycle stage of marketing-qualified leads."""
    sql_stage: StageName = "SQL"
    """Name of the lifecycle stage of sales-qualified leads."""
    read_email_activities: bool = True
    """Count email metrics from visitor activities (one page per 1,000 activities of the
    month, of every type). False leaves them to another source (`sources:`), for a
    business unit whose activity volume would strain its daily API calls."""
