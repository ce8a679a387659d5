"""The audit config (DESIGN.md section 4): loaded, expanded, validated once.

Everything a run needs from the user's YAML is checked here, with every
problem reported at once as `file:line:col: key: what was expected`, so that no
later stage meets a half-valid config.  Connector options are validated by the
connector's own model, under the `source` key.

`${VAR}` is expanded from the environment in every string, but a config never
holds a credential: an expansion whose value looks like one
(`redaction.looks_like_credential`) is refused, and so is a `source.*_env`
option that expands to anything but the name of a set variable
(`token_env: ${AC_TOKEN}`), both without showing the value.  Every message
about the config shows an expanded value as written (`${VAR}`): where it is
quoted, and anywhere once it is `HIDE_BARE_MIN` (12) characters or longer.

The package: `schema.py` (the file's keys), `loader.py` (`load_config`), `settings.py`
(`AuditConfig`), `validation` of pydantic errors lives in `core/validation.py`.
"""
