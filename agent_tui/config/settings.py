"""All settings in one frozen model, one field per section, overridden by `AGENT_TUI_<SECTION>__<KEY>`
environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from agent_tui.config.audio import AudioSettings, RecordingSettings
from agent_tui.config.backend import BackendSettings
from agent_tui.config.desk import DeskSettings
from agent_tui.config.logs import LoggingSettings
from agent_tui.config.monitor import MonitorSettings
from agent_tui.config.sip import SipSettings
from agent_tui.config.ui import UiSettings

ENV_PREFIX = "AGENT_TUI_"
"""Prefix of the environment variables that override settings."""
ENV_DELIMITER = "__"
"""Separates section and key in an environment variable name: `AGENT_TUI_BACKEND__URL`."""


class Settings(BaseSettings):
    """All settings of agent-tui: a TOML file, overridden by `AGENT_TUI_<SECTION>__<KEY>` variables."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        case_sensitive=False,
        frozen=True,
        extra="forbid",
    )

    backend: BackendSettings = Field(default_factory=BackendSettings)
    """The REST backend."""
    sip: SipSettings = Field(default_factory=SipSettings)
    """The softphone."""
    ui: UiSettings = Field(default_factory=UiSettings)
    """The terminal UI."""
    audio: AudioSettings = Field(default_factory=AudioSettings)
    """Sound devices."""
    recording: RecordingSettings = Field(default_factory=RecordingSettings)
    """Call recording."""
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    """Logging."""
    desk: DeskSettings = Field(default_factory=DeskSettings)
    """The agent desk."""
    monitor: MonitorSettings = Field(default_factory=MonitorSettings)
    """The supervisor's wallboard."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment variables beat the file (passed as init values); no dotenv, no secrets dir."""
        return env_settings, init_settings
