"""Which platform connector or export layout can give a base metric: what the audit tells
a client whose audit is incomplete ("what would complete this audit").

Computed by the pipeline and written into the result (`completeness.sources`), so the
renderers, which read only the result, never import the connectors.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PLATFORMS = (
    ("hubspot", "HubSpot"),
    ("mailchimp", "Mailchimp"),
    ("activecampaign", "ActiveCampaign"),
)


def sources_for(metric: str) -> dict[str, list[str]]:
    """The platform connectors (by name) and export layout ids that can give `metric`."""
    from auditor.connectors import exports
    from auditor.connectors.registry import load

    return {
        "connectors": [label for name, label in PLATFORMS if metric in load(name).metrics],
        "exports": [
            layout.id
            for layout in exports.LAYOUTS
            if any(m.metric == metric for m in layout.measures)
        ],
    }


def sources(metrics: Iterable[str]) -> dict[str, Any]:
    return {metric: sources_for(metric) for metric in metrics}
