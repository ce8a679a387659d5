"""One fetch: every section in order; a section the token may not read is not measured."""

from __future__ import annotations

import functools
from collections.abc import Callable

from auditor.connectors.http import HttpClient
from auditor.connectors.hubspot.api import (
    _CURRENCY_CODE,
    DEAL_METRICS,
    EMAIL_METRICS,
    STAGE_METRICS,
    TRAFFIC_METRICS,
    WORKFLOW_METRICS,
    _ran,
)
from auditor.connectors.hubspot.crm import CrmSection
from auditor.connectors.hubspot.emails import EmailSection
from auditor.connectors.hubspot.engagement import EngagementSection
from auditor.connectors.hubspot.leads import LeadSection
from auditor.connectors.hubspot.provenance import ProvenanceSection
from auditor.connectors.hubspot.traffic import TrafficSection
from auditor.connectors.hubspot.workflows import WorkflowSection


class Run(
    EmailSection,
    WorkflowSection,
    CrmSection,
    LeadSection,
    TrafficSection,
    EngagementSection,
    ProvenanceSection,
):
    """One fetch of every section."""

    # --- orchestration ---

    def collect(self, client: HttpClient) -> None:
        self.account = self._optional("account", lambda: self._account(client), missing_ok=True)
        code = (self.account or {}).get("companyCurrency")
        if isinstance(code, str) and _CURRENCY_CODE.match(code):
            self.home_currency = code
        sections: list[tuple[str, str, Callable[[], None], bool]] = [
            ("email", "'content' or 'marketing.email.read'", lambda: self._emails(client), True),
            ("workflows", "'automation'", lambda: self._workflows(client), True),
            ("lifecycle", "'crm.objects.contacts.read'", lambda: self._stages(client), False),
            ("deals", "'crm.objects.deals.read'", lambda: self._deals(client), False),
            (
                "engagement",
                "'crm.objects.contacts.read'",
                lambda: self._engagement(client),
                False,
            ),
        ]
        if self.options.leads:
            sections.append(
                ("leads", "'crm.objects.contacts.read'", lambda: self._leads(client), False)
            )
        if self.options.analytics:
            sections.append(
                ("traffic", "'business-intelligence'", lambda: self._traffic(client), True)
            )
        else:
            for metric in TRAFFIC_METRICS:
                self.reasons[metric] = "not fetched: source.analytics is false"
        metrics_of = {
            "email": EMAIL_METRICS,
            "workflows": WORKFLOW_METRICS,
            "lifecycle": STAGE_METRICS,
            "deals": DEAL_METRICS,
            "traffic": TRAFFIC_METRICS,
            "leads": (),
            "engagement": (),
        }
        for name, scope, run, missing_ok in sections:
            done = self._optional(name, functools.partial(_ran, run), missing_ok=missing_ok)
            if done is None:
                why = self._refusal(name, scope)
                for metric in metrics_of[name]:
                    self.reasons[metric] = why
                    for values in self.monthly.values():  # a section refused half-way
                        values.pop(metric, None)
        if all(name in self.refused for name, *_ in sections):
            raise self.refused[sections[0][0]]  # the token opens nothing: say so
