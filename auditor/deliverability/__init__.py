"""Will the emails arrive at all? Checks of a sending domain's DNS (SPF, DKIM, DMARC,
BIMI, MTA-STS) and of a sample message's headers (one-click unsubscribe, DKIM
alignment, the receiver's authentication results) against the mailbox providers'
published requirements. DNS is read through one resolver (dns.py) whose answers are
recorded, so a check can be replayed offline; a lookup that fails is "could not check",
never a pass."""
