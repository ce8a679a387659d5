"""The published requirements each check rests on: who says it, where."""

from __future__ import annotations

SOURCES: dict[str, tuple[str, str]] = {
    "google": (
        "Google, Email sender guidelines",
        "https://support.google.com/a/answer/81126",
    ),
    "yahoo": ("Yahoo, Sender best practices", "https://senders.yahooinc.com/best-practices/"),
    "microsoft": (
        "Microsoft, Strengthening Email Ecosystem: Outlook's New Requirements for "
        "High-Volume Senders (2025)",
        "https://techcommunity.microsoft.com/blog/microsoftdefenderforoffice365blog/"
        "strengthening-email-ecosystem-outlook%E2%80%99s-new-requirements-for-high%E2%80%90volume-senders/4399730",
    ),
    "rfc7208": (
        "RFC 7208, Sender Policy Framework (SPF)",
        "https://www.rfc-editor.org/rfc/rfc7208",
    ),
    "rfc7489": ("RFC 7489, DMARC", "https://www.rfc-editor.org/rfc/rfc7489"),
    "rfc6376": ("RFC 6376, DKIM Signatures", "https://www.rfc-editor.org/rfc/rfc6376"),
    "rfc8301": (
        "RFC 8301, Cryptographic Algorithm and Key Usage Update to DKIM",
        "https://www.rfc-editor.org/rfc/rfc8301",
    ),
    "rfc8058": (
        "RFC 8058, Signaling One-Click Functionality for List Email Headers",
        "https://www.rfc-editor.org/rfc/rfc8058",
    ),
    "rfc8601": (
        "RFC 8601, Message Header Field for Indicating Message Authentication Status",
        "https://www.rfc-editor.org/rfc/rfc8601",
    ),
    "rfc8461": (
        "RFC 8461, SMTP MTA Strict Transport Security (MTA-STS)",
        "https://www.rfc-editor.org/rfc/rfc8461",
    ),
    "bimi": ("BIMI Group, Implementation guide", "https://bimigroup.org/implementation-guide/"),
    "hubspot-limits": (
        "HubSpot Knowledge Base, Resolve an email sending suspension",
        "https://knowledge.hubspot.com/email/why-is-my-email-suspended",
    ),
    "hubspot-graymail": (
        "HubSpot Knowledge Base, Understand graymail and avoid sending email to unengaged contacts",
        "https://knowledge.hubspot.com/marketing-email/"
        "what-is-graymail-and-how-can-i-avoid-sending-my-email-to-unengaged-contacts",
    ),
    "brevo-suspension": (
        "Brevo Help Center, Reactivate your email campaigns after a suspension",
        "https://help.brevo.com/hc/en-us/articles/209408165",
    ),
}
