"""Config problems and their wording: located by file and line (or by environment variable), and
the short, safe description of a value that every message uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agent_tui.tomlfile import TomlError

SECRET_MESSAGE = "secrets belong in the credential store, not in config (see README)"  # noqa: S105
"""The error for a password (or similar) key anywhere in the config."""
SECRET_KEYS = frozenset({"password", "passwd", "secret", "token", "api_key"})
"""Key names that would hold a secret; never accepted."""


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in the config, located by file and line, or by environment variable."""

    source: str
    """The config file, or `$VARIABLE` for an environment variable."""
    line: int | None
    """Line in the file, when known."""
    key: str
    """Dotted key, e.g. `sip.accounts[0].transport`."""
    message: str
    """What is wrong, naming what was expected."""

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"

    @classmethod
    def from_toml_error(cls, error: TomlError) -> ConfigProblem:
        """The problem a TomlError describes."""
        return cls(str(error.path), error.line, error.key, error.message)


class ConfigError(Exception):
    """The config is not valid; `problems` lists every problem found."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        super().__init__(problems)
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def describe(value: object) -> str:
    """A short, safe description of a config value for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"string {shown!r}"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return f"a {type(value).__name__}"
