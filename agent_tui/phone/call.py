"""One pjsua2 call, with the bookkeeping the engine needs; callbacks go straight to the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pjsua2 as pj

from agent_tui.phone.events import CallStats, Direction, MonitorMode

if TYPE_CHECKING:
    from agent_tui.phone.account import EngineAccount


class CallSink(Protocol):
    """What a call reports to (the engine core); `guard` runs a handler and logs any exception."""

    def guard(self, where: str, handler: Any, *args: Any) -> None:
        """Run `handler(*args)`, turning any exception into a log line and an EngineError."""

    def call_state(self, call: EngineCall, prm: Any) -> None:
        """onCallState."""

    def call_media_state(self, call: EngineCall, prm: Any) -> None:
        """onCallMediaState."""

    def dtmf(self, call: EngineCall, prm: Any) -> None:
        """onDtmfDigit."""

    def transfer_request(self, call: EngineCall, prm: Any) -> None:
        """onCallTransferRequest."""

    def transfer_status(self, call: EngineCall, prm: Any) -> None:
        """onCallTransferStatus."""

    def call_replaced(self, call: EngineCall, prm: Any) -> None:
        """onCallReplaced."""

    def call_tsx(self, call: EngineCall, prm: Any) -> None:
        """onCallTsxState."""

    def stream_destroyed(self, call: EngineCall, prm: Any) -> None:
        """onStreamDestroyed (last chance to read the stream's statistics)."""


@dataclass
class CallBook:
    """Our state of a call, beside pjsua2's."""

    public_id: str
    direction: Direction
    remote: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    started_at: float = 0.0
    answered_at: float | None = None
    ring_deadline: float | None = None
    """When an incoming call still ringing here is refused with 480 (None: no ring timeout runs)."""
    missed: bool = False
    """The ring timeout ran out: we refused the call with 480."""
    held: bool = False
    muted: bool = False
    local_hangup: bool = False
    replaced: bool = False
    traced: bool = False
    """The SIP trace knows this call's Call-ID."""
    refused: bool = False
    """Refused before any event (a malformed INVITE): its end is not reported either."""
    ended: bool = False
    monitor: MonitorMode | None = None
    supervisor: str = ""
    monitor_request: MonitorMode | None = None
    """The mode our pending mid-call change (INFO) asks for, on a monitoring call we placed."""
    last_stats: CallStats | None = None
    next_stats_at: float = 0.0
    transfer_target: str = ""
    consult_of: str | None = None
    recording: str | None = None


class EngineCall(pj.Call):  # type: ignore[misc]
    """A pjsua2 Call whose callbacks are guarded and handed to the engine core."""

    def __init__(self, sink: CallSink, account: EngineAccount, pj_call_id: int, book: CallBook) -> None:
        super().__init__(account, pj_call_id)
        self.sink = sink
        self.account = account
        self.book = book
        self.recorder: Any = None
        self.media_index: int | None = None

    def onCallState(self, prm: Any) -> None:
        self.sink.guard("onCallState", self.sink.call_state, self, prm)

    def onCallMediaState(self, prm: Any) -> None:
        self.sink.guard("onCallMediaState", self.sink.call_media_state, self, prm)

    def onDtmfDigit(self, prm: Any) -> None:
        self.sink.guard("onDtmfDigit", self.sink.dtmf, self, prm)

    def onCallTransferRequest(self, prm: Any) -> None:
        self.sink.guard("onCallTransferRequest", self.sink.transfer_request, self, prm)

    def onCallTransferStatus(self, prm: Any) -> None:
        self.sink.guard("onCallTransferStatus", self.sink.transfer_status, self, prm)

    def onCallReplaced(self, prm: Any) -> None:
        self.sink.guard("onCallReplaced", self.sink.call_replaced, self, prm)

    def onCallTsxState(self, prm: Any) -> None:
        self.sink.guard("onCallTsxState", self.sink.call_tsx, self, prm)

    def onStreamDestroyed(self, prm: Any) -> None:
        self.sink.guard("onStreamDestroyed", self.sink.stream_destroyed, self, prm)


def op_param(code: int = 0, headers: dict[str, str] | None = None, reason: str = "") -> Any:
    """A CallOpParam with default call settings, a status code and extra SIP headers."""
    prm = pj.CallOpParam(True)
    if code:
        prm.statusCode = code
    if reason:
        prm.reason = reason
    if headers:
        prm.txOption.headers = header_vector(headers)
    return prm


def header_vector(headers: dict[str, str]) -> Any:
    """A pjsua2 SipHeaderVector of `headers` (names and values stripped of CR/LF)."""
    vector = pj.SipHeaderVector()
    for name, value in headers.items():
        header = pj.SipHeader()
        header.hName = name.replace("\r", "").replace("\n", "").strip()
        header.hValue = value.replace("\r", " ").replace("\n", " ").strip()
        vector.append(header)
    return vector
