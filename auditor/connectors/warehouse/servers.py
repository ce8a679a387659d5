"""A warehouse server named by a URL, in the form each engine's SQLAlchemy dialect
documents (so a URL from a client's existing setup works, minus its secret):

    postgresql://user@host:5432/database
    bigquery://project/dataset?location=EU&maximum_bytes_billed=10000000000
    snowflake://user@account/database/schema?warehouse=WH&role=ROLE
    databricks://host?http_path=/sql/1.0/warehouses/abc&catalog=main&schema=hubspot
    trino://user@host:443/catalog/schema

Parsed here, at config load, into what the driver's `connect` takes; secrets never come
from the URL (the options name the variables holding them)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

SCHEMES = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "bigquery": "bigquery",
    "snowflake": "snowflake",
    "databricks": "databricks",
    "trino": "trino",
}
EXAMPLES = {
    "postgres": "postgresql://auditor@127.0.0.1:5432/crm",
    "bigquery": "bigquery://my-project/hubspot?location=EU",
    "snowflake": "snowflake://AUDITOR@myorg-myaccount/FIVETRAN/HUBSPOT?warehouse=REPORTING",
    "databricks": "databricks://dbc-1234.cloud.databricks.com?http_path=/sql/1.0/warehouses/abc",
    "trino": "trino://auditor@trino.example.com:443/hive/hubspot",
}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_QUERY_KEYS = {
    "postgres": set(),
    "bigquery": {"location", "maximum_bytes_billed"},
    "snowflake": {"warehouse", "role"},
    "databricks": {"http_path", "catalog", "schema"},
    "trino": {"http_scheme"},
}


@dataclass(frozen=True)
class ServerUrl:
    """A server's address, parsed: `dialect` is sqlglot's name for its SQL."""

    dialect: str
    url: str
    host: str
    """Where it is, for messages and the report (never a secret)."""
    params: dict[str, str] = field(default_factory=dict)
    """What the driver's connect takes from the URL (user, database, warehouse, ...)."""
    schema: str | None = None
    """The schema (dataset) the URL names, used when `source.schema` is not given."""

    @property
    def label(self) -> str:
        names = {
            "postgres": "PostgreSQL",
            "bigquery": "BigQuery",
            "snowflake": "Snowflake",
            "databricks": "Databricks",
            "trino": "Trino",
        }
        return f"{names[self.dialect]} warehouse {self.host}"


def _segments(path: str) -> list[str]:
    return [unquote(part) for part in path.split("/") if part]


def _name(value: str, what: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"{what} {value!r} is not a plain name (letters, digits, _ and $)")
    return value


def parse_server_url(url: str) -> ServerUrl:
    """The server `url` names, or ValueError saying what a URL of its kind looks like."""
    parts = urlsplit(url)
    dialect = SCHEMES.get(parts.scheme)
    if dialect is None:
        known = ", ".join(sorted({f"{s}://" for s in SCHEMES if s != "postgres"}))
        raise ValueError(f"expected a server URL starting with one of {known}")
    example = EXAMPLES[dialect]
    if parts.password:
        raise ValueError(
            "put no password or token in the URL: name its variable in password_env or token_env"
        )
    if not parts.hostname:
        raise ValueError(f"expected a URL such as {example}")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(query) - _QUERY_KEYS[dialect])
    if unknown:
        allowed = ", ".join(sorted(_QUERY_KEYS[dialect])) or "none"
        raise ValueError(
            f"unknown URL parameter {', '.join(unknown)} (allowed here: {allowed}); e.g. {example}"
        )
    path = _segments(parts.path)
    user = unquote(parts.username) if parts.username else None
    host = parts.hostname
    if dialect == "postgres":
        return ServerUrl(dialect, url, f"{host}:{parts.port or 5432}{parts.path}")
    if dialect == "bigquery":
        if len(path) > 1:
            raise ValueError(f"expected bigquery://project[/dataset], e.g. {example}")
        params = {"project": host}
        if "location" in query:
            params["location"] = query["location"]
        if "maximum_bytes_billed" in query:
            if not query["maximum_bytes_billed"].isdigit():
                raise ValueError("maximum_bytes_billed must be a whole number of bytes")
            params["maximum_bytes_billed"] = query["maximum_bytes_billed"]
        schema = _name(path[0], "dataset") if path else None
        return ServerUrl(dialect, url, host, params, schema)
    if dialect == "snowflake":
        if user is None or not 1 <= len(path) <= 2:
            raise ValueError(f"expected snowflake://user@account/database[/schema], e.g. {example}")
        params = {"account": host, "user": user, "database": _name(path[0], "database")}
        for key in ("warehouse", "role"):
            if query.get(key):
                params[key] = _name(query[key], key)
        schema = _name(path[1], "schema") if len(path) == 2 else None
        return ServerUrl(dialect, url, f"{host}/{path[0]}", params, schema)
    if dialect == "databricks":
        if path or not query.get("http_path", "").startswith("/"):
            raise ValueError(
                f"expected databricks://host?http_path=/sql/1.0/warehouses/<id>, e.g. {example}"
            )
        params = {"server_hostname": host, "http_path": query["http_path"]}
        if query.get("catalog"):
            params["catalog"] = _name(query["catalog"], "catalog")
        schema = _name(query["schema"], "schema") if query.get("schema") else None
        return ServerUrl(dialect, url, host, params, schema)
    # trino
    if user is None or not 1 <= len(path) <= 2:
        raise ValueError(f"expected trino://user@host[:port]/catalog[/schema], e.g. {example}")
    scheme = query.get("http_scheme", "https")
    if scheme not in ("http", "https"):
        raise ValueError("http_scheme must be http or https")
    port = parts.port or (443 if scheme == "https" else 8080)
    params = {
        "host": host,
        "port": str(port),
        "user": user,
        "catalog": _name(path[0], "catalog"),
        "http_scheme": scheme,
    }
    schema = _name(path[1], "schema") if len(path) == 2 else None
    return ServerUrl(dialect, url, f"{host}:{port}/{path[0]}", params, schema)
