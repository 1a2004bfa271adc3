"""Settings of the reference backend: where the data lives and the limits it enforces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from agent_tui import paths
from agent_tui.domain.sla import SlaLimits
from agent_tui.server.aftercare_settings import NotifySettings, ReturnVisitSettings

SETTINGS_ENV = "AGENT_TUI_SERVER_SETTINGS"
"""Internal: carries the settings (JSON) from `agent-tui server` to its own uvicorn worker processes.

`agent-tui server` never reads it; people set the server up with its config file (`settings_file`)."""


def default_db_url() -> str:
    """SQLite in the user's state folder."""
    return f"sqlite:///{paths.state_dir() / 'server.db'}"


class EscalationSettings(BaseModel):
    """The deadline watcher (the `[escalation]` table): how often it looks and whom it tells.

    The limits themselves are the `[sla]` table's; this says when before a limit an order is at risk.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    at_risk_ratio: float = Field(
        default=0.75, ge=0, lt=1,
        description="An open segment is at risk once this share of its limit has passed (0: no at-risk "
        "alerts, breaches only).")
    poll_s: float = Field(
        default=1.0, gt=0, le=5,
        description="The watcher looks for due deadlines at least this often (it also wakes at the next "
        "one); alerts go out within this long of their deadline plus the time to write them.")
    batch: int = Field(default=500, gt=0, le=10_000, description="Deadlines claimed per transaction.")
    notify_filing_agent: bool = Field(
        default=False,
        description="Alerts of an order also go to the event stream of the agent who filed it.")


class ServerSettings(BaseModel):
    """Everything `create_app` needs; frozen once made."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    db_url: SecretStr = Field(description="SQLAlchemy URL; may carry a password, so it is secret.")
    screens_dir: Path | None = Field(
        default=None, description="Folder of call screens: new versions load at start and on reload."
    )
    scenarios_dir: Path | None = Field(
        default=None, description="Folder of training scenarios to serve (default: the shipped ones)."
    )
    seed: Literal["demo"] | None = Field(default=None, description="Data set loaded into an empty database.")
    prepare_db: bool = Field(
        default=True, description="Migrate, seed and load screens when the app is made (workers: done once)."
    )
    max_body_bytes: int = Field(default=1024 * 1024, gt=0, description="Larger request bodies get 413.")
    token_ttl_s: int = Field(default=12 * 3600, gt=0, description="How long a login token lives.")
    login_max_failures: int = Field(
        default=5, gt=0, description="Free failed logins per user (an address: 10x) before back-off."
    )
    login_window_s: float = Field(
        default=300.0, gt=0, description="How long failures are remembered after the last one."
    )
    keepalive_s: float = Field(default=15.0, gt=0, description="SSE keep-alive comment interval.")
    event_poll_s: float = Field(
        default=2.0, gt=0,
        description="SSE streams look for new events at least this often even without a wake-up "
        "(covers writers in other processes on SQLite).",
    )
    db_pool_size: int = Field(default=10, gt=0)
    monitor_secret: SecretStr | None = Field(
        default=None,
        description="Signs supervisors' monitor tokens (per-agent keys are derived from it). Default: a "
        "random secret made once and kept in the database, so every worker and restart shares it.",
    )
    monitor_token_ttl_s: int = Field(default=60, gt=0, le=3600, description="Life of a monitor token.")
    survey_token_ttl_s: int = Field(
        default=900, gt=0, le=86400,
        description="Life of a survey token (what lets the keypad survey score one call): the caller scores "
        "within a minute of the transfer; the rest covers the survey service's retries while the backend "
        "is away. A score arriving later is refused.")
    show_monitored: bool = Field(
        default=False, description="Policy: the agent's desk shows a 'being monitored' mark (phone-config)."
    )
    timezone: str | None = Field(
        default=None, description="IANA zone where days and report periods start (default: the server's)."
    )
    sl_threshold_s: int = Field(default=20, gt=0, description="Service level: answered within this long.")
    queue_sl_thresholds: dict[str, int] = Field(
        default_factory=dict, description="Per-queue service-level thresholds over `sl_threshold_s`."
    )
    short_abandon_s: float = Field(default=20.0, ge=0, description="Abandons this short are not counted.")
    sl_target: float = Field(default=0.8, ge=0, le=1, description="Service level below this: warning.")
    sl_alert: float = Field(default=0.7, ge=0, le=1, description="Service level below this: alert.")
    long_call_s: tuple[float, float] = Field(default=(600.0, 900.0), description="Long call: warning, alert.")
    long_acw_s: tuple[float, float] = Field(default=(60.0, 120.0), description="ACW warning, alert.")
    long_hold_s: tuple[float, float] = Field(default=(60.0, 120.0), description="Hold warning, alert.")
    wallboard_interval_s: float = Field(
        default=0.25, gt=0, description="Wallboard changes are coalesced and published at most this often."
    )
    wallboard_refresh_s: float = Field(
        default=5.0, gt=0, description="Every queue is recomputed and alerts checked at least this often."
    )
    sla: SlaLimits = Field(
        default_factory=SlaLimits, description="Time limits of the work-order segments (the `[sla]` table)."
    )
    escalation: EscalationSettings = Field(
        default_factory=EscalationSettings, description="The deadline watcher (the `[escalation]` table).")
    recordings_dir: Path | None = Field(default=None, description="Recordings folder (default: state dir).")
    max_recording_bytes: int = Field(default=64 * 1024 * 1024, gt=0, description="Larger uploads get 413.")
    # --- w13-notify: customer notification and return visits (issue 13) ---
    notify: NotifySettings = Field(
        default_factory=NotifySettings, description="Messages to the customer (the `[notify]` table)."
    )
    return_visits: ReturnVisitSettings = Field(
        default_factory=ReturnVisitSettings, description="Return visits (the `[return_visits]` table)."
    )

    @classmethod
    def from_url(cls, url: str | None = None, **values: object) -> ServerSettings:
        """Settings for a database URL (default: SQLite in the state folder)."""
        return cls.model_validate({"db_url": url or default_db_url(), **values})

    def to_env(self) -> str:
        """The settings as JSON for `SETTINGS_ENV`, secret included (only for our own child processes)."""
        data = self.model_dump(mode="json")
        data["db_url"] = self.db_url.get_secret_value()
        if self.monitor_secret is not None:
            data["monitor_secret"] = self.monitor_secret.get_secret_value()
        return json.dumps(data)
