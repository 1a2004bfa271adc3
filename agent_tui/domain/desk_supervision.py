"""What a desk needs of the supervisor's contract: its own figures, command acks, its phone config.

Split from `agent_tui.domain.supervision` (which re-exports every name here, one copy of each) so that
a desk starts without building the wallboard's, interventions' and reports' models (issue 11: the
desk's start-up CPU; docs/performance.md, "Desk start-up CPU"). Endpoints: see that module.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from agent_tui.domain.base import Model, ShortText


class AgentFigures(Model):
    """One agent's figures over one window; averages are `None` when there is nothing to average.

    Times follow `domain.figures` (talk excludes hold; AHT = talk + hold + ACW per call); the sums and
    counts are here so a desk can go on adding its own calls to them (`domain.figures.HandlingSums`).
    """

    calls_handled: int = Field(default=0, ge=0)
    talk_s: float = Field(default=0.0, ge=0, description="Total talk: answered → ended minus hold.")
    hold_s: float = Field(default=0.0, ge=0, description="Total hold time.")
    acw_s: float = Field(default=0.0, ge=0, description="Total after-call work.")
    aht_s: float | None = Field(default=None, ge=0, description="(talk + hold + ACW) ÷ calls.")
    avg_acw_s: float | None = Field(default=None, ge=0)
    avg_hold_s: float | None = Field(default=None, ge=0)
    fcr: float | None = Field(default=None, ge=0, le=1, description="Resolved ÷ flagged calls.")
    resolved: int = Field(default=0, ge=0, description="Calls flagged resolved at first contact.")
    judged: int = Field(default=0, ge=0, description="Calls flagged either way (FCR's divisor).")
    transferred: int = Field(default=0, ge=0)
    transfer_rate: float | None = Field(default=None, ge=0, le=1, description="transferred ÷ handled.")
    occupancy: float | None = Field(default=None, ge=0, le=1,
                                    description="On call ÷ (on call + Ready and idle).")
    utilisation: float | None = Field(default=None, ge=0, le=1, description="talk ÷ logged-in time.")
    ready_s: float = Field(default=0.0, ge=0)
    busy_s: float = Field(default=0.0, ge=0, description="Time on a call (talking or holding).")
    logged_in_s: float = Field(default=0.0, ge=0, description="Time in any state but logged out.")
    satisfaction_count: int = Field(default=0, ge=0, description="Calls the caller scored by keypad.")
    satisfaction_avg: float | None = Field(default=None, ge=1, le=5, description="Average keypad score.")


class AgentDayFigures(Model):
    """Answer to `GET /v1/agents/{username}/figures`: one agent's figures for today so far."""

    username: str
    at: datetime = Field(description="When they were computed (the backend's clock).")
    day_start: datetime = Field(description="Start of 'today' on the backend's report clock.")
    today: AgentFigures


CALL_COMMAND_TIMEOUT_S = 15.0
"""How long a desk's phone may take to finish a release, transfer or pickup before the desk gives up
and acknowledges the command as refused."""


ACK_REASON_PATTERN = r"^[a-z_]{0,40}$"


class CommandAck(Model):
    """Body of `POST /v1/commands/{id}/ack`: the desk carried out (or could not carry out) a command."""

    ok: bool = True
    reason: str = Field(default="", pattern=ACK_REASON_PATTERN,
                        description="Why, as a code (`agent_tui.desk.supervisor.AckReason`): "
                                    "after_call, phone_offline, no_call... Empty: applied as asked.")
    detail: ShortText = ""


class PhoneConfig(Model):
    """Answer to `GET /v1/phone-config`: what the caller's phone needs from the backend.

    `monitor_key` verifies monitor tokens with `agent_tui.phone.monitor_token.verify_token`; it is
    derived per user, so it verifies only tokens signed for this user and cannot sign for anyone else.
    """

    username: str
    extension: str | None = None
    monitor_key: str
    show_monitored: bool = Field(description="Policy: show the agent a 'being monitored' mark.")
    monitor_token_ttl_s: int = Field(ge=1)
