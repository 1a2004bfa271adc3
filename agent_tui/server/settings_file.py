"""The server's config file: `agent-tui server --config FILE`, or the file `$AGENT_TUI_SERVER_CONFIG` names.

One TOML file holds every setting of `ServerSettings` (limits, wallboard thresholds, the `[sla]` time
limits); `server.example.toml` documents each key. It is checked as the desk's config is: TOML values are
typed, so they are validated strictly ("20" is not a number here), and every problem is reported as
`FILE:LINE: key: message`. Secrets stay out of it: the monitor secret lives in the database, and a
database URL in the file may not carry a password (give such a URL with `--db`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from agent_tui.config import SECRET_KEYS, ConfigError, ConfigProblem, describe
from agent_tui.server.settings import ServerSettings
from agent_tui.tomlfile import TomlDocument, TomlError, data_loc, dotted, load_toml

SERVER_CONFIG_ENV = "AGENT_TUI_SERVER_CONFIG"
"""Environment variable naming the server's config file (`--config` wins over it)."""

NOT_IN_FILE = {
    "monitor_secret": "a secret: it is made once and kept in the database, never in a file",
    "prepare_db": "unknown key",
}
"""Settings the file may not set, and why."""

_PLACEHOLDER_URL = "sqlite://"
"""Stands in for a database URL the file leaves out, so the rest can be validated."""


def config_path(named: Path | None) -> Path | None:
    """The config file to read: `named` (from `--config`), else `$AGENT_TUI_SERVER_CONFIG`, else none."""
    if named is not None:
        return named
    from_env = os.environ.get(SERVER_CONFIG_ENV)
    return Path(from_env).expanduser() if from_env else None


def read_settings_file(path: Path) -> dict[str, Any]:
    """The settings a config file sets, checked, as values `ServerSettings` takes; raises ConfigError."""
    try:
        doc = load_toml(path)
    except TomlError as exc:
        raise ConfigError([ConfigProblem.from_toml_error(exc)]) from None
    problems: list[ConfigProblem] = []
    values: dict[str, Any] = {}
    for key, value in doc.data.items():
        reason = _refused(key, value)
        if reason is not None:
            problems.append(ConfigProblem(str(path), doc.line_of((key,)), key, reason))
        else:
            values[key] = _as_python(key, value)
    if problems:
        raise ConfigError(problems)
    checked = {**values, "db_url": SecretStr(str(values.get("db_url", _PLACEHOLDER_URL)))}
    try:
        ServerSettings.model_validate(checked, strict=True)
    except ValidationError as exc:
        raise ConfigError(_problems(doc, exc.errors())) from None
    return values


def _refused(key: str, value: object) -> str | None:
    if key in NOT_IN_FILE:
        return NOT_IN_FILE[key]
    if key.lower() in SECRET_KEYS:
        return "a secret: secrets are never kept in config files"
    if key == "db_url":
        if not isinstance(value, str):
            return f"expected a database URL as text, got {describe(value)}"
        try:
            url = make_url(value)
        except ArgumentError:
            return f"not a database URL, got {describe(value)}"
        if url.password is not None:
            return "carries a password: give this URL with --db, or use the database's own password file"
    return None


def _as_python(key: str, value: object) -> object:
    """TOML has no paths or tuples: strings of path settings become paths, arrays of pairs tuples."""
    field = ServerSettings.model_fields.get(key)
    if field is None:
        return value
    annotation = str(field.annotation)
    if "Path" in annotation and isinstance(value, str):
        return Path(value).expanduser()
    if annotation.startswith("tuple") and isinstance(value, list):
        return tuple(value)
    return value


def _problems(doc: TomlDocument, errors: Sequence[ErrorDetails]) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    for error in errors:
        loc = data_loc(doc.data, error["loc"], missing=error["type"] == "missing")
        problem = ConfigProblem(str(doc.path), doc.line_of(loc), dotted(loc), _message(error))
        if problem not in problems:
            problems.append(problem)
    problems.sort(key=lambda p: p.line or 0)
    return problems


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key (see server.example.toml for the known keys)"
    if kind == "missing":
        return "required key is missing"
    text = error["msg"].removeprefix("Value error, ")
    if text.startswith("Input should be "):
        text = "expected " + text.removeprefix("Input should be ")
    return f"{text}, got {describe(error.get('input'))}"
