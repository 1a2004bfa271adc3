"""The supervisor's contract (班长席): wallboard, alerts, interventions, recordings, QA, reports, callbacks.

Endpoints (all under the reference backend; roles in brackets):
- `POST /v1/queue-events` [supervisor; the PBX forwarder logs in as one] body `QueueEventBatch`.
- `GET /v1/wallboard` [supervisor] → `WallboardSnapshot`; changes stream on `GET /v1/events` as
  `queue_stats` (data: `QueuePanel`), `agent_rows` (data: `AgentRows`) and `alert` (data: `Alert`)
  events, to supervisors only, coalesced (at most every `wallboard_interval_s`, default 0.25 s);
  `agent_state` (data: `Agent`, now with the call fields) stays broadcast to everyone at once.
- `POST /v1/interventions` [supervisor] body `InterventionRequest` → `InterventionResult` (202).
- `POST /v1/monitor-tokens` [supervisor] body `MonitorTokenRequest` → `MonitorToken` (201).
- `POST /v1/commands/{command_id}/ack` [the commanded agent] body `CommandAck` → `CommandState`; the
  command id is the id of the `command` event.
- `GET /v1/commands/{command_id}` [supervisor] → `CommandState`: applied, refused (with why), still sent,
  or not delivered (no ack within `ack_deadline_s`).
- `POST /v1/raise-hand` [agent] body `RaiseHand` → `Alert`.
- `GET /v1/phone-config` [everyone] → `PhoneConfig` (the caller's own monitor verification key).
- `GET /v1/audit` [supervisor] → `Page[AuditEntry]`.
- Recordings and QA: see `agent_tui.domain.recordings`.
- `GET /v1/reports?period=&by=&from=&to=` → `Report` (or CSV of `ReportRow`); `from`/`to` are
  timestamps or days (`YYYY-MM-DD`, on the backend's report clock; a day `to` is included), and
  `from=to` is that one day.
- `GET /v1/agents/{username}/figures` [an agent their own, supervisors anyone's] → `AgentDayFigures`.
- What a desk itself needs of this contract (its figures, command acks, phone config) is in
  `agent_tui.domain.desk_supervision`, re-exported here: a desk starts without the wallboard's models.
- Callbacks: see `agent_tui.domain.callbacks`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, model_validator

from agent_tui.domain.agent import AgentStateName, QueueStats
from agent_tui.domain.base import Model, ShortText
from agent_tui.domain.desk_supervision import ACK_REASON_PATTERN as ACK_REASON_PATTERN
from agent_tui.domain.desk_supervision import CALL_COMMAND_TIMEOUT_S as CALL_COMMAND_TIMEOUT_S
from agent_tui.domain.desk_supervision import AgentDayFigures as AgentDayFigures
from agent_tui.domain.desk_supervision import AgentFigures as AgentFigures
from agent_tui.domain.desk_supervision import CommandAck as CommandAck
from agent_tui.domain.desk_supervision import PhoneConfig as PhoneConfig
from agent_tui.domain.reports import Report as Report
from agent_tui.domain.reports import ReportBy as ReportBy
from agent_tui.domain.reports import ReportPeriod as ReportPeriod
from agent_tui.domain.reports import ReportRow as ReportRow

# --- live figures -------------------------------------------------------------------------------


class QueueEventKind(StrEnum):
    """What happened to a caller in a PBX queue."""

    ENQUEUED = "enqueued"
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    OVERFLOW = "overflow"
    """Left the queue unanswered to voicemail or a callback request (not counted as abandoned)."""


class QueueEvent(Model):
    """One queue event from the PBX side; `event_id` makes a retried post harmless."""

    event_id: str = Field(min_length=1, max_length=128, description="Unique per event (PBX uniqueid + kind).")
    kind: QueueEventKind
    call_id: str = Field(min_length=1, max_length=128, description="The caller's id in every event.")
    queue: ShortText = Field(min_length=1)
    at: datetime = Field(description="When it happened (timezone-aware).")
    number: ShortText = Field(default="", description="Caller number (ANI).")
    agent: str | None = Field(default=None, max_length=64, description="Who answered (answered only).")
    customer_id: int | None = None
    voicemail: bool = Field(default=False, description="overflow: the caller left a voicemail.")
    training: bool = False
    """Training calls are stored but never counted."""


class QueueEventBatch(Model):
    """Body of `POST /v1/queue-events`: up to 500 events, in any order."""

    events: list[QueueEvent] = Field(min_length=1, max_length=500)


class QueueEventResult(Model):
    """Answer to `POST /v1/queue-events`: how many were new and how many already known."""

    accepted: int = Field(ge=0)
    duplicates: int = Field(ge=0)


class QueueFigures(QueueStats):
    """Live figures of one queue over one window (current half hour, or today).

    Times follow `domain.figures`: `talk_s` excludes hold, `aht_s` = (talk + hold + ACW) ÷ `handled`,
    summed over the answered callers whose call record has come in (`handled` of them).
    """

    short_abandoned: int = Field(default=0, ge=0, description="Abandons within the short-abandon limit.")
    answered_in_sl: int = Field(default=0, ge=0)
    longest_answer_s: float | None = Field(default=None, ge=0)
    handled: int = Field(default=0, ge=0, description="Answered callers whose call record is in.")
    talk_s: float = Field(default=0.0, ge=0, description="Total talk: answered → ended minus hold.")
    hold_s: float = Field(default=0.0, ge=0, description="Total time on hold.")
    acw_s: float = Field(default=0.0, ge=0, description="Total after-call work.")
    avg_hold_s: float | None = Field(default=None, ge=0, description="hold ÷ handled.")
    transferred: int = Field(default=0, ge=0)
    transfer_rate: float | None = Field(default=None, ge=0, le=1, description="transferred ÷ handled.")
    avg_abandon_s: float | None = Field(
        default=None, ge=0, description="Average wait of abandoned callers (short ones left out).")


class QueuePanel(Model):
    """One queue on the wallboard: the live waiting figures and both windows."""

    queue: str
    waiting: int = Field(default=0, ge=0)
    longest_wait_s: float = Field(default=0.0, ge=0)
    oldest_waiting_since: datetime | None = Field(
        default=None, description="When the longest-waiting caller arrived: tick the wait locally."
    )
    agents_ready: int = Field(default=0, ge=0, description="Agents Ready (agents are not bound to queues).")
    agents_busy: int = Field(default=0, ge=0, description="Agents on a call from this queue.")
    half_hour: QueueFigures
    today: QueueFigures


class AgentRow(Model):
    """One agent on the wallboard."""

    username: str
    display_name: str
    team: str | None = None
    extension: str | None = None
    state: AgentStateName
    reason: str | None = None
    since: datetime
    time_in_state_s: float = Field(ge=0)
    call_id: str | None = None
    call_number: str | None = None
    call_queue: str | None = None
    call_started: datetime | None = None
    call_duration_s: float | None = Field(default=None, ge=0)
    on_hold_since: datetime | None = None
    customer_id: int | None = None
    customer_name: str | None = None
    phone_online: bool = False
    raised_hand: bool = False
    half_hour: AgentFigures = Field(default_factory=AgentFigures)
    today: AgentFigures = Field(default_factory=AgentFigures)


class AgentRows(Model):
    """Data of an `agent_rows` event: the rows that changed since the last one."""

    rows: list[AgentRow]


class AlertKind(StrEnum):
    """Why a supervisor should look."""

    LONG_CALL = "long_call"
    LONG_ACW = "long_acw"
    LONG_HOLD = "long_hold"
    SL_BREACH = "sl_breach"
    PHONE_OFFLINE = "phone_offline"
    RAISED_HAND = "raised_hand"


class AlertLevel(StrEnum):
    """The three-level colouring: below target (no alert), standard (warning), alert."""

    WARNING = "warning"
    ALERT = "alert"


class Alert(Model):
    """A live alert; `key` is stable while the condition lasts (`kind:agent` or `kind:queue`)."""

    key: str
    kind: AlertKind
    level: AlertLevel
    since: datetime
    agent: str | None = None
    queue: str | None = None
    value: float | None = Field(default=None, description="The measured figure (seconds, or SL ratio).")
    detail: ShortText = ""
    cleared: bool = Field(default=False, description="True on the event that ends the alert.")


class WallboardSnapshot(Model):
    """Answer to `GET /v1/wallboard`: everything to paint, and the event id to resume SSE after."""

    at: datetime
    half_hour_start: datetime
    day_start: datetime
    last_event_id: int = Field(ge=0, description="Open `GET /v1/events` with Last-Event-ID = this.")
    queues: list[QueuePanel]
    agents: list[AgentRow]
    alerts: list[Alert]


# --- interventions ------------------------------------------------------------------------------


class InterventionKind(StrEnum):
    """What a supervisor does to an agent or a call."""

    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"
    FORCE_READY = "force_ready"
    FORCE_NOT_READY = "force_not_ready"
    FORCE_RELEASE = "force_release"
    FORCE_TRANSFER = "force_transfer"
    PICKUP = "pickup"
    COACH = "coach"


MONITOR_MODES: frozenset[InterventionKind] = frozenset(
    {InterventionKind.LISTEN, InterventionKind.WHISPER, InterventionKind.BARGE}
)
"""Interventions done by the supervisor's own phone with a monitor token."""


class InterventionRequest(Model):
    """Body of `POST /v1/interventions`."""

    kind: InterventionKind
    agent: str = Field(min_length=1, max_length=64)
    reason: ShortText | None = Field(default=None, description="Not Ready reason (force_not_ready).")
    target: ShortText | None = Field(default=None, description="Extension or number (force_transfer).")
    call_id: str | None = Field(default=None, max_length=128, description="release/transfer/pickup")
    text: ShortText | None = Field(default=None, description="The coaching note (coach).")

    @model_validator(mode="after")
    def _needs(self) -> InterventionRequest:
        if self.kind == InterventionKind.FORCE_TRANSFER and not self.target:
            raise ValueError("force_transfer needs a target")
        if self.kind == InterventionKind.COACH and not self.text:
            raise ValueError("coach needs a text")
        return self


class CommandStatus(StrEnum):
    """Where a command to a desk stands, as the supervisor sees it."""

    SENT = "sent"
    """On the agent's event stream; no acknowledgement yet (and its deadline not passed)."""
    DONE = "done"
    """Applied (a state forced during a call is applied when the call is over: see the ack's reason)."""
    FAILED = "failed"
    """Refused by the desk or ghost, with why."""
    NOT_DELIVERED = "not_delivered"
    """No acknowledgement within the command's deadline (`ack_deadline_s`): nobody carried it out."""


COMMAND_ACK_DEADLINE_S = 10.0
"""How long a desk or ghost has to acknowledge a command before the backend reports it not delivered.
A desk acknowledges state changes and notes at once, so 10 s covers a stream reconnect with room."""


def ack_deadline_s(action: str) -> float:
    """The acknowledgement deadline of a command by its intervention kind (`force_release`...).

    Call commands are acknowledged when the phone has finished them, which may take up to
    `CALL_COMMAND_TIMEOUT_S` on top of the delivery.
    """
    calls = {InterventionKind.FORCE_RELEASE, InterventionKind.FORCE_TRANSFER, InterventionKind.PICKUP}
    extra = CALL_COMMAND_TIMEOUT_S if action in {k.value for k in calls} else 0.0
    return COMMAND_ACK_DEADLINE_S + extra


class MonitorToken(Model):
    """Answer to `POST /v1/monitor-tokens`: what the supervisor's phone sends with its INVITE.

    The phone calls `sip_target` with headers `X-Monitor: <mode>` and `X-Monitor-Token: <token>`.
    """

    token: str
    mode: InterventionKind
    agent: str
    sip_target: str = Field(description="The agent's extension (or SIP URI) to call.")
    expires_at: datetime


class MonitorTokenRequest(Model):
    """Body of `POST /v1/monitor-tokens`."""

    agent: str = Field(min_length=1, max_length=64)
    mode: InterventionKind = InterventionKind.LISTEN

    @model_validator(mode="after")
    def _monitor_mode(self) -> MonitorTokenRequest:
        if self.mode not in MONITOR_MODES:
            raise ValueError("mode must be listen, whisper or barge")
        return self


class InterventionResult(Model):
    """Answer to `POST /v1/interventions`."""

    audit_id: int
    kind: InterventionKind
    agent: str
    command_id: int | None = Field(default=None, description="The command event id (desk commands).")
    status: CommandStatus = CommandStatus.SENT
    monitor: MonitorToken | None = Field(default=None, description="For listen, whisper and barge.")


class CommandState(Model):
    """Answer to the ack and to `GET /v1/commands/{id}`: the command as the backend now knows it.

    `not_delivered` is worked out when read: still unacknowledged after `ack_deadline_s`.
    """

    command_id: int
    agent: str
    command: str
    status: CommandStatus
    reason: str = ""
    detail: str = ""
    sent_at: datetime | None = None
    acknowledged_at: datetime | None = None


class RaiseHand(Model):
    """Body of `POST /v1/raise-hand`: an agent asks for a supervisor (`up=False` lowers the hand)."""

    up: bool = True
    text: ShortText = ""


class AuditEntry(Model):
    """One intervention or other supervisor action, as audited."""

    id: int
    at: datetime
    actor: str
    action: str
    agent: str | None = None
    call_id: str | None = None
    detail: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    command_id: int | None = None
    status: str = ""
