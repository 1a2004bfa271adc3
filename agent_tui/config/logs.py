"""`[logging]`: the log file and its levels (never the terminal: the UI owns it)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from agent_tui import paths
from agent_tui.config.section import FilePath, Section


class LoggingSettings(Section):
    """Log file (never the terminal: the UI owns it)."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    """Least severe level written, in any case (`debug` works too)."""
    file: FilePath | None = None
    """Log file; by default `agent-tui.log` in the log dir."""
    sip_level: int = Field(default=3, ge=0, le=6)
    """pjsip's own log level (0 quiet … 6 every packet), written to the same folder."""

    @field_validator("level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def resolve_file(self) -> Path:
        """The log file path, its folder created when needed."""
        if self.file is None:
            return paths.log_dir() / "agent-tui.log"
        self.file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.file
