"""The engine thread's state and plumbing, the bottom of the engine core's layers.

The engine core is one object that only the engine thread touches (with pjsua2). Its parts are layered
classes, one module per concern, each built on the one below: `EngineBase` (state, events, command
dispatch) → `EngineCalls` (a call's state, media and end) → `EngineTransfers` → `EngineIncoming` →
`EngineRegistration` → `EngineSetup` → `EngineCommands` → `EngineCore` (the loop's tick and shutdown,
in `core.py`). A layer that hands `self` to pjsua2 callbacks (an EngineCall, an EngineAccount) sits
above every layer that handles those callbacks, so each layer is a complete sink for what it creates.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pjsua2 as pj

from agent_tui.phone.account import EngineAccount
from agent_tui.phone.audio_bridge import AudioBridge
from agent_tui.phone.call import EngineCall
from agent_tui.phone.device_choice import AudioDeviceError
from agent_tui.phone.events import EngineError, PhoneEvent
from agent_tui.phone.file_player import PlayerRetirement
from agent_tui.phone.ip_change_engine import IpChangeDriver
from agent_tui.phone.logbridge import PjLogWriter
from agent_tui.phone.media import MediaHub
from agent_tui.phone.options import CALL_LIMIT, EngineOptions
from agent_tui.phone.ringer import Ringer
from agent_tui.phone.sanitize import clean_text
from agent_tui.phone.sip_trace import SipTrace

_PJ_ETOOMANY = 70010


def new_call_id() -> str:
    """A fresh public call id, 16 hex digits (also used by the facade for calls it places)."""
    return os.urandom(8).hex()  # a tenth of uuid4's cost, on the path of every call


def describe_error(exc: BaseException | None) -> str:
    """A readable message for any exception, pjsua2's `Error` included (its repr says nothing)."""
    if isinstance(exc, pj.Error):
        if int(exc.status) == _PJ_ETOOMANY:
            return f"call limit reached: this phone holds at most {CALL_LIMIT} calls at once"
        return clean_text(f"{exc.title}: {exc.reason}" if exc.title else str(exc.info()), 300)
    if isinstance(exc, AudioDeviceError):
        return clean_text(str(exc), 1000)
    return clean_text(repr(exc), 300)


class CommandError(Exception):
    """A command could not run (unknown call, bad state); becomes an EngineError event."""


class EngineBase:
    """The engine thread's state: pjsua2 objects, calls, pending work; events out, commands in."""

    def __init__(self, options: EngineOptions, emit: Callable[[PhoneEvent], None],
                 trace: SipTrace | None = None) -> None:
        self.options = options
        self._emit = emit
        self.trace = trace if trace is not None else SipTrace()
        """The SIP messages of recent calls (the desk's trace panel), fed by the log writer."""
        self.log = PjLogWriter(options.log_file, self.trace, options.log_level)
        self.ep: Any = None
        self.hub: MediaHub | None = None
        self.sound: AudioBridge | None = None
        """The headset bridge (None: null audio)."""
        self.ringer: Ringer | None = None
        """Rings incoming calls on a device of its own (None: no ring device)."""
        self.ringback_due: dict[str, float] = {}
        """Outgoing calls that rang without early media, and when their local ringback starts."""
        self.local: EngineAccount | None = None
        self.accounts: list[EngineAccount] = []
        self.calls: dict[str, EngineCall] = {}
        self.retired: list[EngineCall] = []
        """Calls replaced by another one, kept alive until pjsua2 reports them DISCONNECTED."""
        self.graveyard: list[EngineCall] = []
        """Calls that never got a pjsua2 call id (makeCall failed), dropped at the next loop turn.

        A call that reached DISCONNECTED is NOT kept here: this build leaves its pjsua call id set, so
        its destructor (`pjsua_call_set_user_data` + hang-up when the slot is active) acts on whatever
        call holds that slot by then. pjsua hands slots out round-robin over only 4, so with 3-4 calls
        at once a slot is reused within one `libHandleEvents` poll, and a deferred drop hung up (and
        orphaned) the newer call. Dropped inside the DISCONNECTED callback, the slot is still this
        call's and already disconnected: the destructor does nothing harmful."""
        self.refusals: list[tuple[EngineCall, int, str]] = []
        """Incoming calls to refuse (call, code, reason) at the next loop turn, never inside
        onIncomingCall: a final answer there can reset the call under pjsua2, which then frees the
        INVITE a second time (`pjsip_rx_data_free_cloned: Assertion 'rdata' failed`)."""
        self.retiring = PlayerRetirement()
        """Players taken off the bridge, destroyed on this thread once that cannot race their
        end-of-file callback (never inside a callback)."""
        self.closing_recordings: list[tuple[str, Path, float]] = []
        """(call id, path, deadline) of recorders dropped but whose WAV the bridge has not closed yet."""
        self.stopping = False
        self.destroying = False
        self.started = False
        self.capacity = CALL_LIMIT
        """Calls the library holds at once (`pjsua_call_capacity`, read after libInit)."""
        self.udp_port = 0
        self.tcp_port: int | None = None
        self.tls_port: int | None = None
        self.host = ""
        self.ip_change: IpChangeDriver | None = None
        """Re-registers and re-INVITEs after a network change (None until set up)."""

    def emit(self, event: PhoneEvent) -> None:
        """Hand an event to the facade's listener."""
        if self.ringer is not None:
            self.ringer.on_event(event)
        self._emit(event)

    def guard(self, where: str, handler: Callable[..., Any], *args: Any) -> None:
        """Run a callback handler; an exception becomes a log line and an EngineError, never a crash."""
        try:
            handler(*args)
        except Exception as exc:
            self.log.note(f"{where} failed: {exc!r}\n{traceback.format_exc()}")
            self.emit(EngineError(message=f"{where}: {clean_text(str(exc), 300)}", command=where))

    def run_command(self, name: str, call_id: str | None, args: tuple[Any, ...]) -> None:
        """Run one queued command; failures come back as EngineError events."""
        try:
            getattr(self, f"cmd_{name}")(*args)
        except Exception as exc:
            self.log.note(f"command {name} failed: {exc!r}")
            message = describe_error(exc) if isinstance(exc, pj.Error) else clean_text(str(exc), 300)
            self.emit(EngineError(message=message, command=name, call_id=call_id))

    @property
    def call_limit(self) -> int:
        """How many calls the engine holds at once: `max_calls`, within what the library holds."""
        return max(1, min(self.options.max_calls, self.capacity))

    def answered_call_ids(self) -> list[str]:
        """Calls in progress (answered, not ended): the ones a network change must re-INVITE."""
        return [cid for cid, call in self.calls.items()
                if call.book.answered_at is not None and not call.book.ended]

    def _media_config(self, cfg: Any) -> Any:
        host = self.options.public_address or self.host
        if host and host not in ("0.0.0.0", "::"):  # noqa: S104
            cfg.mediaConfig.transportConfig.boundAddress = self.host
        cfg.mediaConfig.transportConfig.port = 0
        return cfg

    def _call(self, call_id: str) -> EngineCall:
        call = self.calls.get(call_id)
        if call is None or call.book.ended:
            raise CommandError(f"no call {call_id}")
        return call
