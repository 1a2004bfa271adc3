"""Reading and validating the settings: the TOML file checked strictly on its own, then merged with the
environment; every problem reported as `FILE:LINE: key.path: message` or `$VARIABLE: key.path: message`."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import EnvSettingsSource, SettingsError

from agent_tui import paths
from agent_tui.config.errors import SECRET_KEYS, SECRET_MESSAGE, ConfigError, ConfigProblem, describe
from agent_tui.config.settings import ENV_DELIMITER, ENV_PREFIX, Settings
from agent_tui.tomlfile import TomlDocument, TomlError, dotted, load_toml


def load_config(path: Path | None = None) -> Settings:
    """Read, merge and validate the settings.

    `path` None means `paths.default_config_file()`; when that is the default location (not named by
    `$AGENT_TUI_CONFIG`) and missing, the built-in defaults apply. A named file must exist.
    """
    named = path is not None or bool(os.environ.get(paths.CONFIG_ENV))
    file = path if path is not None else paths.default_config_file()
    doc: TomlDocument | None = None
    if named or file.exists():
        try:
            doc = load_toml(file)
        except TomlError as exc:
            raise ConfigError([ConfigProblem.from_toml_error(exc)]) from None
    data = doc.data if doc is not None else {}
    source = str(file)
    if doc is not None:
        # TOML values are typed: check them strictly first ("yes" is not a boolean here), and alone,
        # so that every problem in the file is reported against its line.
        problems = _file_problems(doc, source)
        if problems:
            raise ConfigError(problems)
    try:
        return Settings(**data)
    except SettingsError as exc:
        raise ConfigError(_env_parse_problems(exc)) from None
    except ValidationError as exc:
        raise ConfigError(_problems(exc.errors(), doc, source, with_env=True)) from None


def check_environment() -> None:
    """Raise ConfigError when the `AGENT_TUI_*` variables alone do not make valid settings.

    For commands that build their settings in code (`agent-tui demo`): checked before they start
    anything, so a bad variable is one clean line, not a traceback after the children started.
    """
    try:
        Settings()
    except SettingsError as exc:
        raise ConfigError(_env_parse_problems(exc)) from None
    except ValidationError as exc:
        raise ConfigError(_problems(exc.errors(), None, "environment", with_env=True)) from None


def _file_problems(doc: TomlDocument, source: str) -> list[ConfigProblem]:
    """Every problem in the file on its own, values checked strictly."""
    errors: list[ErrorDetails] = []
    for key, value in doc.data.items():
        field = Settings.model_fields.get(key)
        section = field.annotation if field is not None else None
        if not (isinstance(section, type) and issubclass(section, BaseModel)):
            # Unknown top-level keys, "_env_file" and friends included (they are BaseSettings options).
            errors.append({"type": "extra_forbidden", "loc": (key,), "msg": "", "input": value})
            continue
        try:
            section.model_validate(value, strict=True)
        except ValidationError as exc:
            errors.extend({**error, "loc": (key, *error["loc"])} for error in exc.errors())
    return _problems(errors, doc, source, with_env=False)


def _env_parse_problems(exc: SettingsError) -> list[ConfigProblem]:
    """Name the variables whose JSON does not parse (pydantic-settings only names the section)."""
    problems = []
    for loc, name in sorted(_env_locs().items()):
        value = os.environ.get(name, "").strip()
        if value[:1] in ("[", "{"):
            try:
                json.loads(value)
            except ValueError as error:
                problems.append(ConfigProblem(f"${name}", None, dotted(loc), f"invalid JSON: {error}"))
    return problems or [ConfigProblem("environment", None, "", str(exc))]


def _env_locs() -> dict[tuple[str, ...], str]:
    """Setting location → environment variable name, for the variables that set something."""
    fields = set(Settings.model_fields)
    locs: dict[tuple[str, ...], str] = {}
    for name in os.environ:
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX):
            continue
        loc = tuple(part.lower() for part in upper[len(ENV_PREFIX) :].split(ENV_DELIMITER))
        if loc and loc[0] in fields:
            locs[loc] = name
    return locs


def _env_data() -> dict[str, Any]:
    try:
        return dict(EnvSettingsSource(Settings)())
    except SettingsError:
        return {}


def _problems(
    errors: Iterable[ErrorDetails], doc: TomlDocument | None, source: str, *, with_env: bool
) -> list[ConfigProblem]:
    env_locs = _env_locs() if with_env else {}
    merged = _merge(doc.data if doc is not None else {}, _env_data() if env_locs else {})
    problems: list[ConfigProblem] = []
    for error in errors:
        loc = _clean_loc(error["loc"], merged)
        variable = next(
            (name for env_loc, name in env_locs.items() if tuple(map(str, loc[: len(env_loc)])) == env_loc),
            None,
        )
        message = _message(error, loc)
        if variable is not None:
            problem = ConfigProblem(f"${variable}", None, dotted(loc), message)
        else:
            line = doc.line_of(loc) if doc is not None else None
            problem = ConfigProblem(source, line, dotted(loc), message)
        if problem not in problems:
            problems.append(problem)
    problems.sort(key=lambda p: (p.source.startswith("$"), p.line or 0))
    return problems


def _unknown_message(name: str, model: type[BaseModel] | None) -> str:
    if name.lower() in SECRET_KEYS:
        return SECRET_MESSAGE
    if model is None:
        return "unknown key"
    return f"unknown key (known keys here: {', '.join(model.model_fields)})"


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _clean_loc(loc: Sequence[str | int], data: Any) -> tuple[str | int, ...]:
    """Drop the parts of a pydantic location that are not keys of the data (union and validator tags)."""
    clean: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, Mapping) and isinstance(part, str):
            clean.append(part)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            clean.append(part)
            node = node[part]
        else:
            break
    return tuple(clean)


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The settings model that holds the key at `loc`."""
    model: type[BaseModel] = Settings
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        candidate = inner[0] if inner else annotation
        if not (isinstance(candidate, type) and issubclass(candidate, BaseModel)):
            return None
        model = candidate
    return model


_TYPE_MESSAGES = {
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "int_from_float": "expected an integer",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "string_type": "expected a string",
    "list_type": "expected an array",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "path_type": "expected a file path",
    "is_instance_of": "expected a file path",
}


def _message(error: ErrorDetails, loc: tuple[str | int, ...]) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        name = loc[-1] if loc and isinstance(loc[-1], str) else str(error["loc"][-1])
        return _unknown_message(name, _model_at(loc))
    if kind == "missing":
        return "required key is missing"
    if kind in _TYPE_MESSAGES:
        return f"{_TYPE_MESSAGES[kind]}, got {describe(value)}"
    if kind == "literal_error":
        expected = str((error.get("ctx") or {}).get("expected", ""))
        return f"expected one of {expected.replace(' or ', ', ')}, got {describe(value)}"
    if kind == "value_error":
        cause = (error.get("ctx") or {}).get("error")
        return str(cause) if cause is not None else error["msg"].removeprefix("Value error, ")
    text = error["msg"]
    if text.startswith("Input should be "):
        text = text.removeprefix("Input should be ")
        if text.startswith(("greater", "less")):
            text = "a value " + text
        text = "expected " + text
    return f"{text}, got {describe(value)}"
