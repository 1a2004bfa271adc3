"""What the phone engine reports: one frozen dataclass per kind of event.

The engine calls its listener with these objects on the engine thread; a listener must only hand
them on (a queue, `App.post_message`) and never call back into pjsua2. Every text that came from
the network (display names, headers, reasons) has been sanitized before it lands here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

RegistrationState = Literal["registering", "registered", "failed", "unregistered"]
CallStateName = Literal[
    "calling", "early", "ringing", "connecting", "confirmed", "held", "resumed", "disconnected"
]
DtmfMethod = Literal["rfc2833", "info"]
MonitorMode = Literal["listen", "whisper", "barge"]
Direction = Literal["inbound", "outbound"]


@dataclass(frozen=True)
class Registration:
    """A registration state change of one account (`account` is its name in `EngineOptions`)."""

    account: str
    state: RegistrationState
    reason: str = ""
    code: int = 0
    registrar: str = ""
    expires_s: int = 0


@dataclass(frozen=True)
class Health:
    """The result of one OPTIONS ping to the account's registrar (or a change of it).

    `ok` is false when the registrar did not answer in time or answered with 5xx/6xx; a 4xx still
    proves it is alive. Sent on every change and at least every `health_report_s` while it holds.
    """

    account: str
    ok: bool
    rtt_ms: float | None = None
    detail: str = ""
    registrar: str = ""


@dataclass(frozen=True)
class IncomingCall:
    """A call is ringing at us (screen-pop material).

    `number` is the user part of the caller's URI (or of P-Asserted-Identity when present),
    `display` the sanitized display name, `headers` the sanitized values of the interesting SIP
    headers (P-Asserted-Identity, X-Customer-Id, X-Account, X-Queue, X-Ticket-Id, X-Monitor...),
    keyed by their canonical names. `waiting` is true when another call is already up.
    """

    call_id: str
    number: str
    display: str
    headers: dict[str, str]
    remote_uri: str
    at: datetime
    account: str = ""
    sip_call_id: str = ""
    waiting: bool = False


@dataclass(frozen=True)
class CallState:
    """A call moved to a new state. `direction` tells who placed it.

    An outgoing call that rings reports `ringing` when the far end sent no early media (the engine
    then plays the local ringback tone to the agent) and `early` once early media from the far end
    (183 with SDP) plays instead; the ringback stops at `early`, `confirmed` or the end.
    """

    call_id: str
    state: CallStateName
    code: int = 0
    reason: str = ""
    direction: Direction = "inbound"


@dataclass(frozen=True)
class CallStats:
    """Media quality of one call: sent periodically during the call and once at hang-up.

    `mos` is an estimate from a simplified E-model (ITU-T G.107) over codec, delay, jitter and loss.
    """

    call_id: str
    codec: str = ""
    jitter_ms: float = 0.0
    loss_pct: float = 0.0
    rtt_ms: float = 0.0
    mos: float = 0.0
    rx_packets: int = 0
    tx_packets: int = 0
    final: bool = False


@dataclass(frozen=True)
class CallEnded:
    """A call is over; `duration_s` counts from answer (0 if never answered).

    `missed` is true when an incoming call rang here until the ring timeout (`ring_timeout_s`,
    the `desk.ring_timeout_s` setting) ran out with nobody answering: the engine then refused it
    with 480 Temporarily Unavailable, `reason` is "missed" and `code` 480. The desk acts on it
    (`desk.missed_call_not_ready`: go Not Ready so the queue stops offering calls to an empty
    seat). A caller who gives up while it rings (CANCEL: 487, reason from SIP) is not `missed`:
    the agent did nothing wrong. A PBX whose own ring timeout cancels the offer looks the same as
    that caller, so set `ring_timeout_s` below the PBX's per-agent ring time to have it counted.
    """

    call_id: str
    reason: str
    code: int
    duration_s: float
    stats: CallStats | None = None
    direction: Direction = "inbound"
    missed: bool = False


@dataclass(frozen=True)
class DtmfReceived:
    """One DTMF digit from the remote side."""

    call_id: str
    digit: str
    method: DtmfMethod = "rfc2833"


@dataclass(frozen=True)
class TransferRequested:
    """The remote side asked us (REFER) to transfer `call_id` to `target`; the engine accepts it."""

    call_id: str
    target: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Transferred:
    """Outcome of a transfer we started (blind or attended): final NOTIFY status from the target."""

    call_id: str
    target: str
    ok: bool
    code: int = 0
    reason: str = ""


@dataclass(frozen=True)
class ConferenceChanged:
    """The set of calls mixed together changed (empty `call_ids` after a split)."""

    call_ids: tuple[str, ...]


@dataclass(frozen=True)
class MonitorStarted:
    """A supervisor's monitoring call was answered silently and wired in `mode` onto `target_call_id`."""

    call_id: str
    mode: MonitorMode
    supervisor: str
    target_call_id: str | None = None


@dataclass(frozen=True)
class MonitorModeChanged:
    """The supervisor's side: the agent's phone answered a mid-call mode change (INFO) of a
    monitoring call we placed. `ok` False keeps the old mode (403: the token was refused)."""

    call_id: str
    mode: MonitorMode
    ok: bool
    code: int = 0
    reason: str = ""


@dataclass(frozen=True)
class RecordingReady:
    """A finished call recording (WAV) waiting for upload."""

    call_id: str
    path: str


PlaybackEnd = Literal["eof", "stopped", "call ended"]


@dataclass(frozen=True)
class PlaybackFinished:
    """A WAV started by `play_file` is over: played to its end (`eof`), stopped, or its call ended.

    `call_id` is the call it played into (None: it played into every call).
    """

    call_id: str | None
    path: str
    reason: PlaybackEnd = "eof"


@dataclass(frozen=True)
class EngineStarted:
    """The engine is up; `address` is where it listens for SIP (host:port of its UDP transport).

    `max_calls` is how many calls it holds at once (see `options.CALL_LIMIT`): a UI should refuse
    to place or pick up one more. `audio` is "null" (headless) or "portaudio" (the headset bridge).
    """

    address: str
    udp_port: int
    tcp_port: int | None = None
    tls_port: int | None = None
    max_calls: int = 4
    audio: str = "null"


@dataclass(frozen=True)
class AudioDevicesChanged:
    """The headset moved to other devices (`switch_audio`); calls went on. Names as they were resolved:
    the sound server's, PortAudio's, or "default"."""

    input: str
    output: str


@dataclass(frozen=True)
class AudioDeviceLost:
    """The headset's stream died and its devices will not open again (a USB headset pulled out, a
    sound server over SSH whose forward went away). Calls go on, silent for the agent; the engine
    keeps trying and says `AudioDeviceBack` when they open. `detail` is PortAudio's reason."""

    input: str
    output: str
    detail: str = ""


@dataclass(frozen=True)
class AudioDeviceBack:
    """The headset's devices opened again after `AudioDeviceLost`: the calls are heard again."""

    input: str
    output: str


@dataclass(frozen=True)
class EngineStopped:
    """The engine thread has finished its shutdown; no more events follow."""

    clean: bool = True


@dataclass(frozen=True)
class EngineError:
    """A command failed or a callback raised; the engine keeps running."""

    message: str
    command: str = ""
    call_id: str | None = None


NetworkChangeState = Literal["lost", "recovering", "re-registered", "call-restored", "recovered", "failed"]


@dataclass(frozen=True)
class NetworkChange:
    """The host's network changed under the phone, and how far the recovery got (`ip_change.py`).

    "lost": no address left (waiting for the link); "recovering": transports re-created,
    re-registering and re-INVITing `call_ids`; "re-registered": the registrar has the new address;
    "call-restored": `call_ids` answered their re-INVITE; "recovered": all done; "failed": not done
    within the watch's `give_up_s` (`reason` says what was missing).
    """

    state: NetworkChangeState
    reason: str = ""
    addresses: tuple[str, ...] = ()
    call_ids: tuple[str, ...] = ()


PhoneEvent = (
    Registration
    | Health
    | IncomingCall
    | CallState
    | CallStats
    | CallEnded
    | DtmfReceived
    | TransferRequested
    | Transferred
    | ConferenceChanged
    | MonitorStarted
    | MonitorModeChanged
    | RecordingReady
    | PlaybackFinished
    | EngineStarted
    | AudioDevicesChanged
    | AudioDeviceLost
    | AudioDeviceBack
    | EngineStopped
    | EngineError
    | NetworkChange
)
"""Every event the engine emits."""
