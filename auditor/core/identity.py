"""Who a client is: the slug its files are named by, and the identity its history is kept under.

- `slugify(name)`: the `<slug>` of `<slug>_<period>.pdf`.  Latin letters lose their
  accents as before ('Ñandú & Cía' -> 'nandu-cia', so existing file names stay);
  letters and digits of other scripts are kept ('Ελληνικά Μάρμαρα' ->
  'ελληνικά-μάρμαρα') instead of all becoming 'client'.  Bounded to
  `MAX_SLUG_BYTES` UTF-8 bytes: a longer slug is cut and ends with a hash of the
  whole, so two long names still differ and a file name never exceeds the file
  system's limit.  Never empty: a name without letters or digits gets
  'client-<hash of the name>'.
- `client_slug(name, client_id)`: the config's `client_id` when it has one (it
  names the files and the history key), else `slugify(name)`.
- `ClientIdentity`: whose audits a history row holds.  A config with `client_id`
  is that id; one without is its exact client name, so 'Acme S.A.' and
  'ACME, S.A.' (one slug) are two clients whose audits never mix.
- `legacy_slug(name)`: the slug auditor used before (ASCII only, unbounded), kept
  only to find audits recorded under it.

Limits: `MAX_SLUG_BYTES` = 80 (UTF-8 bytes of a slug), `CLIENT_ID_MAX` = 64
(characters of a `client_id`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

MAX_SLUG_BYTES = 80
SLUG_HASH_CHARS = 8  # hex digits of sha256 ending a cut or symbol-only slug
CLIENT_ID_MAX = 64
CLIENT_ID_PATTERN = re.compile(rf"^[a-z0-9][a-z0-9_-]{{0,{CLIENT_ID_MAX - 1}}}$")
CLIENT_ID_RULE = (
    f"1 to {CLIENT_ID_MAX} lowercase ASCII letters, digits, '-' or '_', starting with a "
    "letter or a digit, e.g. acme-es"
)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:SLUG_HASH_CHARS]


def slugify(text: str) -> str:
    """File-name slug: 'Aceros del Sur, S.A.' -> 'aceros-del-sur-s-a' (see the module docstring)."""
    kept: list[str] = []
    marks_belong = False  # combining marks stay on non-Latin letters (Greek tonos, Hindi signs)
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.category(char).startswith("M"):
            if marks_belong:
                kept.append(char)
            continue
        marks_belong = False
        if char.isascii():
            kept.append(char.lower() if char.isalnum() else "-")
        elif char.isalnum():
            kept.append(char.lower())
            marks_belong = True
        # other non-ASCII characters (dashes, quotes, symbols) are dropped, as they always were
    slug = re.sub(r"-{2,}", "-", unicodedata.normalize("NFC", "".join(kept))).strip("-")
    if not slug:
        return f"client-{_digest(text.strip())}"
    encoded = slug.encode("utf-8")
    if len(encoded) <= MAX_SLUG_BYTES:
        return slug
    room = MAX_SLUG_BYTES - SLUG_HASH_CHARS - 1
    cut = encoded[:room].decode("utf-8", "ignore").rstrip("-")
    return f"{cut}-{_digest(slug)}"


def legacy_slug(text: str) -> str:
    """The slug of auditor before client identities (non-ASCII dropped, unbounded)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "client"


def client_slug(name: str, client_id: str | None) -> str:
    """The slug of a config's outputs and history key: its client_id, else its name's slug."""
    return client_id or slugify(name)


@dataclass(frozen=True)
class ClientIdentity:
    """Whose audits these are: a `client_id`, or else the exact client name."""

    name: str
    client_id: str | None = None

    @property
    def key(self) -> str:
        """The history key (`runs.client_slug`) this client records under."""
        return client_slug(self.name, self.client_id)

    def describe(self) -> str:
        """'Acme S.A.' or 'Acme S.A.' (client_id acme), for messages."""
        named = f"'{self.name}'"
        return f"{named} (client_id {self.client_id})" if self.client_id else named
