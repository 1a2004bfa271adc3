"""`PhoneEngine`: the thread-safe facade of the softphone.

One engine thread owns pjsua2 (`threadCnt=0`, `mainThreadOnly`): it loops on `libHandleEvents(50)`
and drains a command queue. Any thread may call the commands below; each is queued and the loop is
woken at once by a CRLF datagram to the engine's own UDP port. Results come back as events (see
`events.py`) through the listener, called on the engine thread. Commands that create a call return
its id at once (made here, on the caller's side), so the caller can match the events that follow.

pjsua2 allows one Endpoint per process: run one engine at a time.

Limits of this pjsua2 build (compiled in, measured): at most 4 calls at once, PJSUA_MAX_CALLS, read
from the library at start (`EngineStarted.max_calls`, see `options.CALL_LIMIT`; one more `make_call`
gives an `EngineError` "call limit reached"); a SIP message over 4000 bytes (PJSIP_MAX_PKT_LEN) is
dropped unanswered, over UDP and over TCP alike (TCP: "Rx buffer overflow"), so an 8 KB display
name never rings. An INVITE with two From, To, Call-ID or CSeq headers is refused with 400 and
reported to nobody.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent_tui.phone.core import EngineCore
from agent_tui.phone.core_base import describe_error, new_call_id
from agent_tui.phone.events import DtmfMethod, EngineStarted, EngineStopped, MonitorMode, PhoneEvent
from agent_tui.phone.options import EngineOptions
from agent_tui.phone.sip_trace import SipMessage, SipTrace

Listener = Callable[[PhoneEvent], None]
_WAKE = b"\r\n"


class PhoneEngineError(RuntimeError):
    """The engine could not start (or was used while not running)."""


class PhoneEngine:
    """The softphone: start it, set a listener, send commands, receive events."""

    _one_per_process = threading.Lock()
    """pjsua2 aborts the process on a second live Endpoint: held from `start` until the thread ends."""

    def __init__(self, options: EngineOptions, listener: Listener | None = None) -> None:
        self.options = options
        self._listener = listener
        self._commands: queue.SimpleQueue[tuple[str, str | None, tuple[Any, ...]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._started: EngineStarted | None = None
        self._failure = ""
        """Why the engine failed (text only: a kept exception would keep pjsua2 objects alive)."""
        self._wake_socket: socket.socket | None = None
        self._wake_target: tuple[str, int] | None = None
        self._lock = threading.Lock()
        self.trace = SipTrace()
        """The SIP messages of recent calls, kept across restarts of the engine thread."""

    # ------------------------------------------------------------------ life

    def set_listener(self, listener: Listener | None) -> None:
        """Where events go; called on the engine thread, so it must only hand them on."""
        self._listener = listener

    @property
    def running(self) -> bool:
        """True between a successful `start` and `stop`."""
        return self._started is not None and self._thread is not None and self._thread.is_alive()

    @property
    def info(self) -> EngineStarted:
        """Where the running engine listens."""
        if self._started is None:
            raise PhoneEngineError("the engine is not running")
        return self._started

    def start(self, timeout: float = 10.0) -> EngineStarted:
        """Start the engine thread and wait until pjsua2 is up; raises PhoneEngineError on failure."""
        if self._thread is not None:
            raise PhoneEngineError("the engine was already started")
        if not PhoneEngine._one_per_process.acquire(blocking=False):
            raise PhoneEngineError("another phone engine is running in this process (pjsua2 allows one)")
        self._thread = threading.Thread(target=self._run, name="phone-engine", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise PhoneEngineError(f"the engine did not start within {timeout:g} s")
        if self._started is None:
            self._thread.join(timeout)
            raise PhoneEngineError(f"the engine failed to start: {self._failure}")
        host = self._started.address.rsplit(":", 1)[0]
        self._wake_target = (host, self._started.udp_port)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._wake_socket = socket.socket(family, socket.SOCK_DGRAM)
        return self._started

    def stop(self, timeout: float = 10.0) -> None:
        """Hang up everything, unregister and destroy pjsua2; returns when the thread has ended."""
        thread = self._thread
        if thread is None:
            return
        self._stop.set()
        self._wake()
        thread.join(timeout)
        if thread.is_alive():
            raise PhoneEngineError(f"the engine did not stop within {timeout:g} s")
        with self._lock:
            if self._wake_socket is not None:
                self._wake_socket.close()
                self._wake_socket = None
        self._started = None

    def _run(self) -> None:
        core = EngineCore(self.options, self._emit, self.trace)
        clean = True
        try:
            try:
                self._started = core.setup()
            except BaseException as exc:
                self._failure = describe_error(exc)
                clean = False
                return
            finally:
                self._ready.set()
            self._emit(self._started)
            while not self._stop.is_set():
                core.ep.libHandleEvents(50)
                self._drain(core)
                core.tick(time.monotonic())
        except BaseException as exc:
            clean = False
            core.log.note(f"engine loop died: {exc!r}")
        finally:
            try:
                core.shutdown()
            except BaseException as exc:
                clean = False
                self._failure = describe_error(exc)
            PhoneEngine._one_per_process.release()
            self._emit(EngineStopped(clean=clean))

    def _drain(self, core: EngineCore) -> None:
        while True:
            try:
                name, call_id, args = self._commands.get_nowait()
            except queue.Empty:
                return
            core.run_command(name, call_id, args)

    def _emit(self, event: PhoneEvent) -> None:
        listener = self._listener
        if listener is None:
            return
        with contextlib.suppress(Exception):  # a broken listener must not take the phone down
            listener(event)

    def _wake(self) -> None:
        with self._lock:
            if self._wake_socket is not None and self._wake_target is not None:
                with contextlib.suppress(OSError):  # the loop still wakes within 50 ms
                    self._wake_socket.sendto(_WAKE, self._wake_target)

    def _submit(self, name: str, call_id: str | None, *args: Any) -> None:
        if self._thread is None or self._stop.is_set():
            raise PhoneEngineError("the engine is not running")
        self._commands.put((name, call_id, args))
        self._wake()

    # -------------------------------------------------------------- commands

    def sip_trace(self, call_id: str) -> list[SipMessage]:
        """The SIP messages of the call `call_id` so far, oldest first (any thread)."""
        return self.trace.messages(call_id)

    def make_call(self, uri: str, headers: dict[str, str] | None = None, account: str | None = None) -> str:
        """Dial a number or SIP URI with extra headers; returns the new call's id."""
        call_id = new_call_id()
        self._submit("make_call", call_id, call_id, uri, dict(headers or {}), account)
        return call_id

    def answer(self, call_id: str) -> None:
        """Answer a ringing call."""
        self._submit("answer", call_id, call_id)

    def reject(self, call_id: str, code: int = 486) -> None:
        """Refuse a ringing call (486 Busy Here, 603 Decline)."""
        self._submit("reject", call_id, call_id, code)

    def hangup(self, call_id: str) -> None:
        """End a call (cancels a call still ringing out)."""
        self._submit("hangup", call_id, call_id)

    def hold(self, call_id: str) -> None:
        """Hold by re-INVITE."""
        self._submit("hold", call_id, call_id)

    def resume(self, call_id: str) -> None:
        """Resume a held call by re-INVITE."""
        self._submit("resume", call_id, call_id)

    def mute(self, call_id: str) -> None:
        """Stop sending our audio (the call stays up; not a hold)."""
        self._submit("mute", call_id, call_id)

    def unmute(self, call_id: str) -> None:
        """Send our audio again."""
        self._submit("unmute", call_id, call_id)

    def send_dtmf(self, call_id: str, digits: str, method: DtmfMethod = "rfc2833") -> None:
        """Send DTMF digits by RFC 2833 or SIP INFO."""
        self._submit("send_dtmf", call_id, call_id, digits, method)

    def blind_transfer(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> None:
        """REFER the remote party to `target`; `headers` (X-Customer-Id...) travel with it."""
        self._submit("blind_transfer", call_id, call_id, target, dict(headers or {}))

    def consult(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> str:
        """Hold `call_id` and dial `target` with the case headers; returns the consult call's id."""
        consult_id = new_call_id()
        self._submit("consult", call_id, call_id, consult_id, target, dict(headers or {}))
        return consult_id

    def complete_transfer(self, call_id: str, consult_id: str) -> None:
        """Attended transfer: connect the held party to the consult target (REFER with Replaces)."""
        self._submit("complete_transfer", call_id, call_id, consult_id)

    def cancel_consult(self, call_id: str, consult_id: str) -> None:
        """Hang up the consult call and resume the original one."""
        self._submit("cancel_consult", call_id, call_id, consult_id)

    def conference(self, a: str, b: str) -> None:
        """Three-way conference of us with calls `a` and `b`."""
        self._submit("conference", a, a, b)

    def split(self, a: str, b: str) -> None:
        """End the mixing of `a` and `b`; both calls stay up."""
        self._submit("split", a, a, b)

    def register(self, account: str | None = None) -> None:
        """Register (again) now; default: the first account."""
        self._submit("register", None, account)

    def unregister(self, account: str | None = None) -> None:
        """Remove the registration; default: the first account."""
        self._submit("unregister", None, account)

    def play_tone(self, hz: float | None) -> None:
        """Send a sine tone into every call instead of the microphone; None goes back to it."""
        self._submit("play_tone", None, hz)

    def switch_audio(self, output: str | None, input_device: str | None = None) -> None:
        """Move the headset to other sound devices while calls go on; None keeps that direction's.

        Names as in the config (`agent-tui audio list`: the sound server's or PortAudio's).
        `AudioDevicesChanged` follows, or an `EngineError` (the old devices stay).
        """
        self._submit("switch_audio", None, output, input_device)

    def play_file(self, call_id: str | None, path: str | Path) -> None:
        """Play a mono 16-bit PCM WAV once into a call (None: into every call, now and later ones).

        It mixes with the microphone (or tone) and reaches our recording too; it survives hold and
        re-INVITEs. `PlaybackFinished(call_id, path, "eof")` follows at its end; a new `play_file`
        into the same call replaces it (`"stopped"`); a file that is not mono 16-bit PCM gives an
        `EngineError`.
        """
        self._submit("play_file", call_id, call_id, str(path))

    def stop_playback(self, call_id: str | None) -> None:
        """Stop what `play_file` plays into a call (or into every call); `PlaybackFinished` says "stopped"."""
        self._submit("stop_playback", call_id, call_id)

    def set_monitor_mode(self, call_id: str, mode: MonitorMode) -> None:
        """Rewire a supervisor's monitoring call (listen, whisper, barge)."""
        self._submit("set_monitor_mode", call_id, call_id, mode)

    def change_monitor_mode(self, call_id: str, mode: MonitorMode, token: str) -> None:
        """Supervisor's side: switch the monitoring call we placed to `mode` without re-dialling.

        Sends an INFO with `X-Monitor: mode` and `token` (a fresh one from the backend); the agent's
        phone verifies it and rewires. `MonitorModeChanged` follows with the answer (403: refused,
        the old mode stays).
        """
        self._submit("change_monitor_mode", call_id, call_id, mode, token)
