"""Settings of the reference backend: where the data lives and the limits it enforces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from agent_tui import paths

SETTINGS_ENV = "AGENT_TUI_SERVER_SETTINGS"
"""Environment variable carrying the settings (JSON) from `agent-tui server` to its worker processes."""


def default_db_url() -> str:
    """SQLite in the user's state folder."""
    return f"sqlite:///{paths.state_dir() / 'server.db'}"


class ServerSettings(BaseModel):
    """Everything `create_app` needs; frozen once made."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    db_url: SecretStr = Field(description="SQLAlchemy URL; may carry a password, so it is secret.")
    screens_dir: Path | None = Field(
        default=None, description="Folder of call screens loaded on first start."
    )
    seed: Literal["demo"] | None = Field(default=None, description="Data set loaded into an empty database.")
    prepare_db: bool = Field(
        default=True, description="Migrate, seed and load screens when the app is made (workers: done once)."
    )
    max_body_bytes: int = Field(default=1024 * 1024, gt=0, description="Larger request bodies get 413.")
    token_ttl_s: int = Field(default=12 * 3600, gt=0, description="How long a login token lives.")
    keepalive_s: float = Field(default=15.0, gt=0, description="SSE keep-alive comment interval.")
    event_poll_s: float = Field(
        default=2.0, gt=0,
        description="SSE streams look for new events at least this often even without a wake-up "
        "(covers writers in other processes on SQLite).",
    )
    db_pool_size: int = Field(default=10, gt=0)

    @classmethod
    def from_url(cls, url: str | None = None, **values: object) -> ServerSettings:
        """Settings for a database URL (default: SQLite in the state folder)."""
        return cls.model_validate({"db_url": url or default_db_url(), **values})

    def to_env(self) -> str:
        """The settings as JSON for `SETTINGS_ENV`, secret included (only for our own child processes)."""
        data = self.model_dump(mode="json")
        data["db_url"] = self.db_url.get_secret_value()
        return json.dumps(data)
