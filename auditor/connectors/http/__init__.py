"""The one HTTP client every platform connector uses (DESIGN.md section 8).

`HttpClient` wraps one `requests.Session` with what platform APIs need and
what an interactive audit can afford:

- connect and read timeouts, and retries with exponential backoff and full
  jitter on connection errors, timeouts, 429 and 5xx, honouring `Retry-After`
  (seconds or HTTP date) and a per-platform hook that reads rate-limit headers;
- a waiting cap: a wait longer than `max_wait` is not slept but fails fast
  with `SourceQuotaError` saying when to try again (daily quotas);
- an overall deadline per connector run (`Deadline`: `source.deadline`,
  default `DEFAULT_DEADLINE` = 300 s): every connect and read timeout is cut
  to the time left, no wait is slept past it, and when it passes the fetch
  stops with `SourceUnavailableError` (exit 3) naming `source.deadline`, so an
  API that accepts connections and never answers cannot hold a run for
  `max_tries` x `read_timeout`;
- one answer's body is read in chunks and refused past `MAX_RESPONSE_BYTES`
  (64 MiB), so a hostile or broken server cannot fill the memory;
- a client-side token bucket per platform (and per named endpoint family);
- pagination helpers (offset/count, cursor, next URL/token) that stop on an
  empty page and raise on a repeated cursor, URL or page and past a page cap;
- errors split by what to do next (auth, not found, malformed, unavailable,
  quota: `auditor.core.errors`), a request log for provenance, and redaction of
  every registered secret from messages, log records and the log.

Sleeping, the clocks and the jitter are injectable, so tests never sleep.
Platform specifics live in an `HttpPolicy` declared by each connector;
`HttpConnector` builds the client from it and the `source:` options.

The package: `transport.py` (requests, retries, errors), `client.py` (`HttpClient`: the
transport plus pagination), `policy.py`, `redaction.py`, `request_log.py`, `parsing.py`,
`connector.py` (`HttpConnector`).
"""

from auditor.connectors.http.client import HttpClient as HttpClient
from auditor.connectors.http.connector import HttpConnector as HttpConnector
from auditor.connectors.http.parsing import basic_auth as basic_auth
from auditor.connectors.http.parsing import dig as dig
from auditor.connectors.http.parsing import json_count as json_count
from auditor.connectors.http.parsing import json_object as json_object
from auditor.connectors.http.parsing import retry_after_seconds as retry_after_seconds
from auditor.connectors.http.parsing import unexpected_body as unexpected_body
from auditor.connectors.http.policy import Deadline as Deadline
from auditor.connectors.http.policy import Extractor as Extractor
from auditor.connectors.http.policy import HttpPolicy as HttpPolicy
from auditor.connectors.http.policy import RateLimitHook as RateLimitHook
from auditor.connectors.http.policy import TokenBucket as TokenBucket
from auditor.connectors.http.redaction import Redactor as Redactor
from auditor.connectors.http.request_log import RequestLog as RequestLog
