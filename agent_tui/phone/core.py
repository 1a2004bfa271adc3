"""Everything that runs on the engine thread: pjsua2 set-up, callbacks, commands, shutdown.

Only the engine thread ever touches this object (and pjsua2). The facade in `engine.py` queues
commands to it and receives events from it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pjsua2 as pj

from agent_tui.phone import monitor_info
from agent_tui.phone.account import EngineAccount, local_config, registrar_config, with_transport
from agent_tui.phone.audio_bridge import AudioBridge, open_bridge, switch_headset
from agent_tui.phone.call import CallBook, EngineCall, op_param
from agent_tui.phone.device_choice import AudioDeviceError
from agent_tui.phone.events import (
    CallEnded,
    CallState,
    CallStateName,
    CallStats,
    ConferenceChanged,
    DtmfMethod,
    DtmfReceived,
    EngineError,
    EngineStarted,
    Health,
    IncomingCall,
    MonitorMode,
    MonitorStarted,
    PhoneEvent,
    PlaybackEnd,
    PlaybackFinished,
    RecordingReady,
    Registration,
    Transferred,
    TransferRequested,
)
from agent_tui.phone.ip_change import IpChangeWatch
from agent_tui.phone.ip_change_engine import IpChangeDriver
from agent_tui.phone.logbridge import PjLogWriter, silenced_stdout
from agent_tui.phone.media import FilePlayer, MediaHub, read_stats
from agent_tui.phone.monitor_token import verify_token
from agent_tui.phone.options import CALL_LIMIT, EngineOptions
from agent_tui.phone.ringer import Ringer, ringer_for
from agent_tui.phone.sanitize import (
    caller_headers,
    clean_text,
    parse_headers,
    split_name_addr,
    uri_headers,
    uri_user,
)
from agent_tui.phone.sip_trace import SipTrace
from agent_tui.phone.wav import wav_finished

_AUTH_CODES = (401, 403, 407)
_PJ_ETOOMANY = 70010
_RINGBACK_DELAY_S = 0.1
TRACE_LEVEL = 4
"""The pjsip log level of SIP messages (pjsua_core.c): the least the log runs at, for the SIP trace."""
"""The local ringback starts this long after the 180 (unnoticeable): a call answered sooner never
builds the tone generator, which keeps that work off the call set-up path."""
_HEALTH_REPORT_S = 30.0
_RING_TIMEOUT_CODE = 480
"""The final answer to a call nobody picked up in time: 480 Temporarily Unavailable (RFC 3261
21.4.18: the callee was contacted but is not available now) tells a PBX or queue to offer the call
elsewhere, where 486 would claim the agent is busy and 408 would blame the network."""
LOCAL_USER = "agent"


def new_call_id() -> str:
    """A fresh public call id, 16 hex digits (also used by the facade for calls it places)."""
    return os.urandom(8).hex()  # a tenth of uuid4's cost, on the path of every call


def pjsua_call_capacity() -> int | None:
    """How many calls pjsua holds at once, read from the library after `libInit` (None: unknown).

    pjsua clamps `UaConfig.maxCalls` to its compile-time PJSUA_MAX_CALLS in `pjsua_call_subsys_init`
    (its call table has exactly that many slots); `pjsua_call_get_max_count` returns the clamped value.
    pjsua2 does not wrap it, but the extension module exports the C symbol. Measured with wheel
    2.15.1.post1: maxCalls 2 gives 2, maxCalls 32 gives 4. Reading it (not assuming 4) lets a build
    with a larger PJSUA_MAX_CALLS lift the engine's cap with no code change.
    """
    try:
        library = ctypes.CDLL(pj._pjsua2.__file__)  # the loaded module: dlopen returns the same handle
        get_max_count = library.pjsua_call_get_max_count
    except (AttributeError, OSError):
        return None
    get_max_count.restype = ctypes.c_uint
    get_max_count.argtypes = []
    return int(get_max_count())


def describe_error(exc: BaseException | None) -> str:
    """A readable message for any exception, pjsua2's `Error` included (its repr says nothing)."""
    if isinstance(exc, pj.Error):
        if int(exc.status) == _PJ_ETOOMANY:
            return f"call limit reached: this phone holds at most {CALL_LIMIT} calls at once"
        return clean_text(f"{exc.title}: {exc.reason}" if exc.title else str(exc.info()), 300)
    if isinstance(exc, AudioDeviceError):
        return clean_text(str(exc), 1000)
    return clean_text(repr(exc), 300)


def _carries_sdp(prm: Any) -> bool:
    """Whether the response that caused this call state change has an SDP body."""
    try:
        event = prm.e
        if event.type != pj.PJSIP_EVENT_TSX_STATE or event.body.tsxState.type != pj.PJSIP_EVENT_RX_MSG:
            return False
        head, _, body = str(event.body.tsxState.src.rdata.wholeMsg).partition("\r\n\r\n")
    except Exception:
        return False
    return "application/sdp" in head.lower() and bool(body.strip())


class CommandError(Exception):
    """A command could not run (unknown call, bad state); becomes an EngineError event."""


class EngineCore:
    """The engine thread's state and logic."""

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
        self.ringer: Ringer | None = None
        """Rings incoming calls on a device of its own (None: no ring device)."""
        self.ringback_due: dict[str, float] = {}
        """Outgoing calls that rang without early media, and when their local ringback starts."""
        """The headset bridge (None: null audio)."""
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
        self.dropped_players: list[FilePlayer] = []
        """Players taken off the bridge, dropped at the next loop turn (never inside a callback)."""
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

    # ----------------------------------------------------------------- plumbing

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

    # ------------------------------------------------------------------- set-up

    def setup(self) -> EngineStarted:
        """Create, configure and start pjsua2 on the calling (engine) thread."""
        opts = self.options
        if not opts.null_audio:
            # Before pjsua2: a device that does not exist fails the start with nothing to undo.
            self.sound = open_bridge(opts.input_device, opts.output_device, opts.audio_stream_factory)
            self.ringer = ringer_for(opts)
        self.ep = pj.Endpoint()
        with silenced_stdout():
            self.ep.libCreate()

        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.maxCalls = opts.max_calls
        cfg.uaConfig.userAgent = opts.user_agent
        cfg.logConfig.writer = self.log
        # With a writer set, "console" output goes to the writer (never the terminal), and the
        # writer only sees lines up to consoleLevel: measured, consoleLevel=0 leaves the file empty.
        level = opts.log_level if opts.log_file is not None else 0
        # pjsua logs each SIP message at level 4: the trace needs it (the writer keeps the file at
        # its own level).
        level = max(level, TRACE_LEVEL)
        cfg.logConfig.level = level
        cfg.logConfig.consoleLevel = level
        cfg.logConfig.decor = cfg.logConfig.decor & ~pj.PJ_LOG_HAS_NEWLINE
        cfg.medConfig.noVad = True
        self.ep.libInit(cfg)
        self.capacity = pjsua_call_capacity() or CALL_LIMIT
        if not self.ep.libIsThreadRegistered():  # (needs libInit: pjsua2 creates its mutex there)
            # Measured: after a start that failed half-way, pjlib stays initialised, so libCreate on a
            # new thread does not register it and the next pjlib call aborts the process.
            self.ep.libRegisterThread("phone-engine")
        # Transports after libStart: measured, a failure between libInit and libStart leaves pjlib
        # half torn down after libDestroy, and the next engine in the process aborts.
        self.ep.libStart()
        self._create_transports()
        self.ep.audDevManager().setNullDev()
        self._set_codecs()
        self.hub = MediaHub(self.ep, opts.recording_dir, self.sound.attach() if self.sound else None,
                            opts.earpiece_file)
        address = f"{self._contact_host()}:{self.udp_port}"
        self.local = EngineAccount(self, None, "local")
        self.local.create(self._media_config(local_config(LOCAL_USER, address)), True)
        for account_options in opts.accounts:
            account = EngineAccount(self, account_options, account_options.key)
            self.emit(Registration(account=account.name, state="registering", registrar=account.registrar))
            account.create(self._media_config(registrar_config(account, opts)), False)
            self.accounts.append(account)
        self.ip_change = IpChangeDriver(self.ep, IpChangeWatch(interval_s=opts.ip_change_watch_s),
                                        self.emit, self.log.note)
        self.started = True
        return EngineStarted(address=address, udp_port=self.udp_port, tcp_port=self.tcp_port,
                             tls_port=self.tls_port, max_calls=self.call_limit,
                             audio="null" if self.sound is None else "portaudio")

    @property
    def call_limit(self) -> int:
        """How many calls the engine holds at once: `max_calls`, within what the library holds."""
        return max(1, min(self.options.max_calls, self.capacity))

    def _contact_host(self) -> str:
        if self.options.public_address:
            return self.options.public_address
        return self.host if self.host not in ("", "0.0.0.0", "::") else "127.0.0.1"  # noqa: S104

    def _media_config(self, cfg: Any) -> Any:
        host = self.options.public_address or self.host
        if host and host not in ("0.0.0.0", "::"):  # noqa: S104
            cfg.mediaConfig.transportConfig.boundAddress = self.host
        cfg.mediaConfig.transportConfig.port = 0
        return cfg

    def _create_transports(self) -> None:
        opts = self.options
        self.host, port = opts.listen
        tcfg = pj.TransportConfig()
        tcfg.port = port
        if self.host not in ("", "0.0.0.0"):  # noqa: S104
            tcfg.boundAddress = self.host
        if opts.public_address:
            tcfg.publicAddress = opts.public_address
        udp = self.ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
        self.udp_port = int(str(self.ep.transportGetInfo(udp).localName).rsplit(":", 1)[1])
        tcfg.port = self.udp_port
        try:
            tcp = self.ep.transportCreate(pj.PJSIP_TRANSPORT_TCP, tcfg)
        except pj.Error:
            tcfg.port = 0  # the same port number is taken for TCP: any port will do
            tcp = self.ep.transportCreate(pj.PJSIP_TRANSPORT_TCP, tcfg)
        self.tcp_port = int(str(self.ep.transportGetInfo(tcp).localName).rsplit(":", 1)[1])
        wants_tls = opts.tls_listen_port is not None or any(a.transport == "tls" for a in opts.accounts)
        if wants_tls:
            tls = pj.TransportConfig()
            tls.port = opts.tls_listen_port or 0
            if self.host not in ("", "0.0.0.0"):  # noqa: S104
                tls.boundAddress = self.host
            tls.tlsConfig.method = pj.PJSIP_TLSV1_2_METHOD
            if opts.tls_ca_file is not None:
                tls.tlsConfig.CaListFile = str(opts.tls_ca_file)
            if opts.tls_cert_file is not None:
                tls.tlsConfig.certFile = str(opts.tls_cert_file)
            if opts.tls_key_file is not None:
                tls.tlsConfig.privKeyFile = str(opts.tls_key_file)
            tls.tlsConfig.verifyServer = opts.tls_verify_server
            tid = self.ep.transportCreate(pj.PJSIP_TRANSPORT_TLS, tls)
            self.tls_port = int(str(self.ep.transportGetInfo(tid).localName).rsplit(":", 1)[1])

    def _set_codecs(self) -> None:
        wanted = [c.lower() for c in self.options.codecs]
        for codec in self.ep.codecEnum2():
            codec_id = str(codec.codecId)
            lowered = codec_id.lower()
            rank = next((i for i, w in enumerate(wanted) if lowered.startswith(w)), None)
            priority = 255 - rank if rank is not None else min(int(codec.priority), 100)
            self.ep.codecSetPriority(codec_id, priority)

    # -------------------------------------------------------------------- loop

    def tick(self, now: float) -> None:
        """Periodic work between event polls: drop finished calls, stats, health pings."""
        if self.graveyard:
            self.graveyard.clear()
        if self.refusals:
            self._send_refusals()
        if self.options.ring_timeout_s > 0 and self.calls:
            self._ring_timeouts(now)
        if self.ringback_due and self.hub is not None:
            opts = self.options
            for call_id, due in list(self.ringback_due.items()):
                if now >= due:
                    del self.ringback_due[call_id]
                    self.hub.ringback(call_id, True, opts.ringback_hz, opts.ringback_on_ms,
                                      opts.ringback_off_ms)
        self.dropped_players.clear()
        if self.sound is not None:
            away = self.sound.away
            if self.sound.watch(now):
                summary = self.sound.summary()
                self.log.note(f"sound bridge: a direction stalled, devices opened again ({summary})")
            news = self.sound.news(away)
            if news is not None:
                self.log.note(f"sound bridge: {news}")
                self.emit(news)
        if self.hub is not None:
            for key, player in list(self.hub.players.items()):
                if player.at_eof:
                    self.end_playback(key, "eof")
        if self.closing_recordings:
            self._report_recordings(now)
        interval = self.options.stats_interval_s
        if interval > 0:
            for call in list(self.calls.values()):
                book = call.book
                if book.answered_at is not None and now >= book.next_stats_at and not book.ended:
                    book.next_stats_at = now + interval
                    stats = read_stats(call)
                    if stats is not None:
                        book.last_stats = stats
                        self.emit(stats)
        for account in self.accounts:
            self._health_tick(account, now)
        if self.ip_change is not None and not self.stopping:
            self.ip_change.tick(now, self.answered_call_ids(), bool(self.accounts))

    def answered_call_ids(self) -> list[str]:
        """Calls in progress (answered, not ended): the ones a network change must re-INVITE."""
        return [cid for cid, call in self.calls.items()
                if call.book.answered_at is not None and not call.book.ended]

    # ------------------------------------------------------------ registration

    def reg_state(self, account: EngineAccount, prm: Any) -> None:
        """onRegState: registered, unregistered or failed (with failover to a backup registrar)."""
        code = int(prm.code)
        reason = clean_text(str(prm.reason), 120)
        expires = int(prm.expiration)
        registrar = account.registrar
        if self.ip_change is not None and not self.stopping:
            self.ip_change.registration(time.monotonic(), code, 200 <= code < 300 and expires > 0,
                                        self.answered_call_ids())
        if 200 <= code < 300:
            account.auth_failed = False
            account.registered = expires > 0
            if expires > 0:
                self.emit(Registration(account.name, "registered", reason, code, registrar, expires))
            else:
                self.emit(Registration(account.name, "unregistered", reason, code, registrar, 0))
            return
        account.registered = False
        if code in _AUTH_CODES:
            # pjsua2 gives up after one rejected answer: say why, and do not retry on our side either.
            account.auth_failed = True
            why = f"authentication failed ({code} {reason}): wrong user name or password"
            self.emit(Registration(account.name, "failed", why, code, registrar))
            return
        self.emit(Registration(account.name, "failed", f"{code} {reason}".strip(), code, registrar))
        self._failover(account, f"registrar {registrar} failed with {code}")

    def _failover(self, account: EngineAccount, why: str) -> None:
        options = account.options
        if options is None or len(options.registrars) < 2 or not account.wanted or self.stopping:
            return
        account.registrar_index = (account.registrar_index + 1) % len(options.registrars)
        self.log.note(f"{why}; failing over to {account.registrar}")
        self.emit(Registration(account.name, "registering", f"failover: {why}", 0, account.registrar))
        account.health = type(account.health)(in_flight=account.health.in_flight)
        account.modify(self._media_config(registrar_config(account, self.options)))

    def _health_tick(self, account: EngineAccount, now: float) -> None:
        options = account.options
        if options is None or options.health_interval_s <= 0:
            return
        health = account.health
        if health.sent_at is not None and now - health.sent_at > options.health_timeout_s:
            health.sent_at = None
            self._health_result(account, False, None, f"no answer from {account.registrar} "
                                f"within {options.health_timeout_s:g} s", now)
        if health.sent_at is None and now >= health.next_at:
            prm = pj.SendRequestParam()
            prm.method = "OPTIONS"
            prm.txOption.targetUri = account.registrar
            health.sent_at = now
            health.next_at = now + options.health_interval_s
            try:
                account.sendRequest(prm)
                health.in_flight += 1
            except pj.Error as exc:
                health.sent_at = None
                self._health_result(account, False, None, clean_text(exc.info(), 200), now)

    def send_request_done(self, account: EngineAccount, prm: Any) -> None:
        """onSendRequest: the registrar answered our OPTIONS (or the transaction failed)."""
        health = account.health
        health.in_flight = max(0, health.in_flight - 1)
        now = time.monotonic()
        if health.sent_at is None:
            return  # a late answer to a ping already counted as lost
        tsx = prm.e.body.tsxState.tsx
        code = int(tsx.statusCode)
        rtt_ms = (now - health.sent_at) * 1000.0
        alive = 100 <= code < 500 and code != 408
        if not alive and now - health.sent_at > account.options.health_timeout_s:  # type: ignore[union-attr]
            return
        health.sent_at = None
        detail = f"{code} {clean_text(str(tsx.statusText), 80)}".strip()
        self._health_result(account, alive, round(rtt_ms, 2) if alive else None, detail, now)

    def _health_result(self, account: EngineAccount, ok: bool, rtt_ms: float | None, detail: str,
                       now: float) -> None:
        health = account.health
        changed = health.ok is not ok
        recovered = ok and health.ok is False
        health.ok = ok
        health.failures = 0 if ok else health.failures + 1
        if changed or now - health.last_report_at >= _HEALTH_REPORT_S:
            health.last_report_at = now
            self.emit(Health(account.name, ok, rtt_ms, detail, account.registrar))
        if recovered and account.wanted and not account.auth_failed and not self.stopping:
            self.log.note(f"registrar {account.registrar} is back: registering again")
            self.emit(Registration(account.name, "registering", "registrar is back", 0, account.registrar))
            account.setRegistration(True)
        if not ok and health.failures == 2:
            self._failover(account, f"registrar {account.registrar} does not answer")

    # -------------------------------------------------------------- incoming

    def incoming_call(self, account: EngineAccount, prm: Any) -> None:
        """onIncomingCall: screen-pop data out, 180 Ringing back (or a refusal)."""
        if self.destroying:
            return  # creating a Call during libDestroy aborts the process; pjsua hangs it up itself
        started = time.monotonic()
        call_id = new_call_id()
        if self.stopping:
            self._refuse(self._adopt(account, prm, call_id, started), 503, "Service Unavailable")
            return
        try:
            message = str(prm.rdata.wholeMsg)
        except Exception:  # undecodable bytes: fall back to what pjsua2 parsed
            message = ""
        repeated: set[str] = set()
        raw = parse_headers(message, repeated)
        if repeated:
            # Measured: pjsip builds the dialog from the second From, so the caller's BYE would get
            # 481 and the call linger. A request with two of these is malformed: refuse it.
            self.log.note(f"incoming call refused with 400: repeated {', '.join(sorted(repeated))}")
            refused = self._adopt(account, prm, call_id, started)
            refused.book.refused = True
            self._refuse(refused, 400, "Bad Request")
            return
        call: EngineCall | None = None
        display, uri = split_name_addr(raw.get("from", ""))
        if not uri:  # pjsua2 parsed the request even so: ask its call (made early for this rare case)
            call = self._adopt(account, prm, call_id, started)
            try:
                display, uri = split_name_addr(str(call.getInfo().remoteUri))
            except Exception:
                display, uri = "", ""
        pai = raw.get("p-asserted-identity", "")
        number = uri_user(split_name_addr(pai)[1]) if pai else ""
        number = number or uri_user(uri)
        headers = caller_headers(raw)
        remote = clean_text(uri, 256)
        mode = headers.get("X-Monitor", "").lower()
        if not mode:
            # The screen pop leaves before the pjsua2 Call object is built (a SWIG director object,
            # a tenth of the time from INVITE to pop): nothing in the event needs it, and commands
            # about the call run after this callback, when it exists.
            self.trace.bind(call_id, raw.get("call-id", ""))
            waiting = any(c.book.answered_at is not None for c in self.calls.values() if c is not call)
            self.emit(IncomingCall(
                call_id=call_id,
                number=clean_text(number, 64),
                display=clean_text(display, 64),
                headers=headers,
                remote_uri=remote,
                at=datetime.now(UTC),
                account=account.name,
                sip_call_id=clean_text(raw.get("call-id", ""), 128),
                waiting=waiting,
            ))
        if call is None:
            call = self._adopt(account, prm, call_id, started)
        call.book.remote = remote
        call.book.headers = headers
        if mode:
            self._monitor_call(call, mode, headers, clean_text(display or number, 64))
            return
        call.answer(op_param(180))
        if self.options.auto_answer:
            call.answer(op_param(200))
        elif self.options.ring_timeout_s > 0:
            call.book.ring_deadline = started + self.options.ring_timeout_s

    def _ring_timeouts(self, now: float) -> None:
        """Refuse with 480 every incoming call that rang here past `ring_timeout_s` unanswered.

        An INVITE nobody answers and nobody cancels would otherwise keep one of pjsua's 4 call
        slots for good, and with all 4 taken pjsua answers every new INVITE with 486 itself.
        """
        for call in list(self.calls.values()):
            book = call.book
            if book.ring_deadline is None or now < book.ring_deadline:
                continue
            book.ring_deadline = None
            if book.ended or book.answered_at is not None or book.local_hangup:
                continue
            book.missed = True
            book.local_hangup = True
            self.log.note(f"call {book.public_id} rang {self.options.ring_timeout_s:g} s unanswered: "
                          f"refused with {_RING_TIMEOUT_CODE}")
            try:
                call.hangup(op_param(_RING_TIMEOUT_CODE, reason="Temporarily Unavailable"))
            except pj.Error as exc:  # the caller's CANCEL crossed our timer: its end is reported anyway
                book.missed = False
                self.log.note(f"ring timeout of {book.public_id}: {describe_error(exc)}")

    def _adopt(self, account: EngineAccount, prm: Any, call_id: str, started: float) -> EngineCall:
        """The Call object of an incoming call: pjsua2 wants it made inside onIncomingCall."""
        call = EngineCall(self, account, prm.callId, CallBook(call_id, "inbound", started_at=started))
        self.calls[call_id] = call
        return call

    def _refuse(self, call: EngineCall, code: int, reason: str) -> None:
        """Refuse an incoming call with `code` at the next loop turn (see `refusals`)."""
        call.book.local_hangup = True
        self.refusals.append((call, code, reason))

    def _send_refusals(self) -> None:
        refusals, self.refusals = self.refusals, []
        for call, code, reason in refusals:
            if not call.book.ended:
                call.hangup(op_param(code, reason=reason))

    def _monitor_call(self, call: EngineCall, mode: str, headers: dict[str, str], who: str) -> None:
        key = self.options.monitor_key
        token = headers.get("X-Monitor-Token", "")
        valid = (
            mode in ("listen", "whisper", "barge")
            and key is not None
            and verify_token(key.get_secret_value(), token, mode, time.time())
        )
        if not valid:
            self.log.note(f"monitoring call refused: mode={mode!r}, token invalid or expired")
            self._refuse(call, 403, "Forbidden")
            return
        monitor: MonitorMode = mode  # type: ignore[assignment]
        call.book.monitor = monitor
        call.book.supervisor = who
        call.answer(op_param(200))
        target = next((c.book.public_id for c in self.calls.values()
                       if c.book.monitor is None and c.book.answered_at is not None), None)
        self.emit(MonitorStarted(call.book.public_id, monitor, who, target))

    # ------------------------------------------------------------ call state

    def call_state(self, call: EngineCall, prm: Any) -> None:
        """onCallState: state events, and the end of a call."""
        info = call.getInfo()
        state = info.state
        book = call.book
        if not book.traced:  # outgoing calls, transfers, replacements: the Call-ID is known by now
            book.traced = True
            self.trace.bind(book.public_id, str(info.callIdString))
        if book.replaced:
            if state == pj.PJSIP_INV_STATE_DISCONNECTED and call in self.retired:
                self.retired.remove(call)  # dropped now, in its own DISCONNECTED (see `graveyard`)
            return
        code = int(info.lastStatusCode)
        reason = clean_text(str(info.lastReason), 120)
        name: CallStateName | None = None
        if state == pj.PJSIP_INV_STATE_CALLING:
            name = "calling"
        elif state == pj.PJSIP_INV_STATE_EARLY and book.direction == "outbound":
            # Early media from the far end (183 + SDP) plays by itself; else we ring locally.
            # (onCallState comes before onCallMediaState: look at the response's body; a 180
            # with SDP goes ringing → early when its media starts.)
            early_media = self._has_active_audio(info) or (code != 180 and _carries_sdp(prm))
            name = "early" if early_media else "ringing"
            self._ringback(book.public_id, not early_media)
        elif state == pj.PJSIP_INV_STATE_CONNECTING:
            name = "connecting"
            self._ringback(book.public_id, False)
        elif state == pj.PJSIP_INV_STATE_CONFIRMED:
            self._ringback(book.public_id, False)
            if book.answered_at is None:
                book.answered_at = time.monotonic()
                book.next_stats_at = book.answered_at + self.options.stats_interval_s
            name = "confirmed"
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self._finish(call, code, reason)
            return
        if name is not None and book.monitor is None:
            self.emit(CallState(book.public_id, name, code, reason, book.direction))

    def _ringback(self, call_id: str, on: bool) -> None:
        """Ring locally for an outgoing call (from the next loop turn after `_RINGBACK_DELAY_S`), or stop."""
        if on:
            if self.hub is not None and call_id not in self.hub.ringing:
                self.ringback_due.setdefault(call_id, time.monotonic() + _RINGBACK_DELAY_S)
            return
        self.ringback_due.pop(call_id, None)
        hub = self.hub
        if hub is not None and call_id in hub.ringing:
            opts = self.options
            hub.ringback(call_id, False, opts.ringback_hz, opts.ringback_on_ms, opts.ringback_off_ms)

    def _ringing(self, call_id: str) -> bool:
        return call_id in self.ringback_due or (self.hub is not None and call_id in self.hub.ringing)

    @staticmethod
    def _has_active_audio(info: Any) -> bool:
        return any(m.type == pj.PJMEDIA_TYPE_AUDIO and m.status == pj.PJSUA_CALL_MEDIA_ACTIVE
                   for m in info.media)

    def _finish(self, call: EngineCall, code: int, reason: str) -> None:
        book = call.book
        if book.ended:
            return
        book.ended = True
        self._ringback(book.public_id, False)
        if self.ip_change is not None:
            self.ip_change.call_ended(time.monotonic(), book.public_id)
        if book.refused:  # never announced: nothing to report
            if self.calls.get(book.public_id) is call:
                del self.calls[book.public_id]  # the last reference: dropped here (see `graveyard`)
            return
        stats = read_stats(call, final=True) if book.answered_at is not None else None
        if stats is None and book.last_stats is not None:
            last = book.last_stats
            stats = CallStats(last.call_id, last.codec, last.jitter_ms, last.loss_pct, last.rtt_ms,
                              last.mos, last.rx_packets, last.tx_packets, final=True)
        self._drop_recorder(call)
        if self.hub is not None and book.public_id in self.hub.players:
            self.end_playback(book.public_id, "call ended")
        if self.calls.get(book.public_id) is call:
            del self.calls[book.public_id]  # the last reference: dropped in this callback (see `graveyard`)
        if self.hub is not None:
            before = len(self.hub.links)
            self.hub.links = {link for link in self.hub.links if book.public_id not in link}
            if len(self.hub.links) != before:
                self.emit(ConferenceChanged(self._conference_ids()))
        duration = time.monotonic() - book.answered_at if book.answered_at is not None else 0.0
        if book.answered_at is not None:
            why = "local hangup" if book.local_hangup else "remote hangup"
        elif book.missed:
            why = "missed"
        elif book.local_hangup:
            why = "rejected" if book.direction == "inbound" else "cancelled"
        else:
            why = reason or "failed"
        if book.transfer_target and book.answered_at is not None:
            why = "transferred"
        if stats is not None:
            self.emit(stats)
        self.emit(CallEnded(book.public_id, why, code, round(duration, 3), stats, book.direction,
                            missed=book.missed and book.answered_at is None))

    def _drop_recorder(self, call: EngineCall) -> None:
        if call.recorder is None:
            return
        call.recorder = None  # the bridge destroys the port, which writes the WAV header, soon after
        gc.collect()
        if call.book.recording:
            deadline = time.monotonic() + 2.0
            self.closing_recordings.append((call.book.public_id, Path(call.book.recording), deadline))
            self._report_recordings(time.monotonic())

    def _report_recordings(self, now: float) -> None:
        """RecordingReady for every WAV that is complete now (or whose wait ran out)."""
        waiting = []
        for call_id, path, deadline in self.closing_recordings:
            if wav_finished(path) or now >= deadline:
                self.emit(RecordingReady(call_id, str(path)))
            else:
                waiting.append((call_id, path, deadline))
        self.closing_recordings = waiting

    def end_playback(self, key: str | None, reason: PlaybackEnd) -> None:
        """Take a player off the bridge and report why it ended."""
        if self.hub is None:
            return
        player = self.hub.stop_player(key)
        if player is not None:
            self.dropped_players.append(player)
            self.emit(PlaybackFinished(key, str(player.path), reason))

    def call_media_state(self, call: EngineCall, prm: Any) -> None:
        """onCallMediaState: rewire (the conference port changed) and report hold/resume."""
        info = call.getInfo()
        held = False
        for media in info.media:
            if media.type == pj.PJMEDIA_TYPE_AUDIO:
                held = media.status in (
                    pj.PJSUA_CALL_MEDIA_LOCAL_HOLD,
                    pj.PJSUA_CALL_MEDIA_REMOTE_HOLD,
                    pj.PJSUA_CALL_MEDIA_NONE,
                )
                if media.status == pj.PJSUA_CALL_MEDIA_ERROR:
                    held = False
                break
        book = call.book
        if self._ringing(book.public_id) and book.answered_at is None and self._has_active_audio(info):
            # Early media (183 + SDP): the far end's own ringback or announcement replaces ours.
            self._ringback(book.public_id, False)
            if info.state == pj.PJSIP_INV_STATE_EARLY:
                self.emit(CallState(book.public_id, "early", int(info.lastStatusCode),
                                    clean_text(str(info.lastReason), 120), book.direction))
        if self.hub is not None:
            self.hub.wire(call, self.calls, info)
        if self.ip_change is not None and book.answered_at is not None:
            self.ip_change.call_updated(time.monotonic(), book.public_id)
        if held != book.held and book.answered_at is not None:
            book.held = held
            if book.monitor is None:
                self.emit(CallState(book.public_id, "held" if held else "resumed", 0, "", book.direction))
        elif book.answered_at is None:
            book.held = held

    def stream_destroyed(self, call: EngineCall, prm: Any) -> None:
        """onStreamDestroyed: keep the stream's last statistics for the end-of-call report."""
        if call.book.answered_at is None:
            return
        stats = read_stats(call)
        if stats is not None:
            call.book.last_stats = stats

    def dtmf(self, call: EngineCall, prm: Any) -> None:
        """onDtmfDigit."""
        method: DtmfMethod = "info" if int(prm.method) == pj.PJSUA_DTMF_METHOD_SIP_INFO else "rfc2833"
        digit = clean_text(str(prm.digit), 4)
        if digit:
            self.emit(DtmfReceived(call.book.public_id, digit, method))

    def call_tsx(self, call: EngineCall, prm: Any) -> None:
        """onCallTsxState: mid-call monitoring mode changes by INFO, either side (see monitor_info)."""
        key = self.options.monitor_key
        monitor_info.on_tsx(call, prm, key.get_secret_value() if key is not None else None,
                            self.cmd_set_monitor_mode, self.emit, self.log.note)

    # -------------------------------------------------------------- transfer

    def transfer_request(self, call: EngineCall, prm: Any) -> None:
        """onCallTransferRequest: the remote side REFERs us elsewhere; accept, and own the new call."""
        target, headers = uri_headers(str(prm.dstUri))
        headers.pop("Replaces", None)
        new_id = new_call_id()
        book = CallBook(new_id, "outbound", remote=clean_text(target, 256), headers=headers,
                        started_at=time.monotonic())
        new_call = EngineCall(self, call.account, pj.PJSUA_INVALID_ID, book)
        self.calls[new_id] = new_call
        prm.newCall = new_call
        prm.statusCode = 202
        call.book.transfer_target = book.remote
        self.emit(TransferRequested(call.book.public_id, book.remote, headers))
        self.emit(CallState(new_id, "calling", 0, f"transfer from {call.book.public_id}", "outbound"))

    def transfer_status(self, call: EngineCall, prm: Any) -> None:
        """onCallTransferStatus: progress of a transfer we started; hang up once it succeeded."""
        code = int(prm.statusCode)
        if not prm.finalNotify and code < 200:
            return
        ok = 200 <= code < 300
        prm.cont = False
        self.emit(Transferred(call.book.public_id, call.book.transfer_target, ok, code,
                              clean_text(str(prm.reason), 120)))
        if ok and not call.book.ended:
            call.book.local_hangup = True
            call.hangup(op_param())
        elif not ok:
            call.book.transfer_target = ""

    def call_replaced(self, call: EngineCall, prm: Any) -> None:
        """onCallReplaced: an attended transfer replaced `call`; the new call keeps its public id."""
        old = call.book
        book = CallBook(old.public_id, old.direction, started_at=old.started_at, answered_at=old.answered_at,
                        headers=old.headers, recording=old.recording, muted=old.muted,
                        next_stats_at=old.next_stats_at)
        new_call = EngineCall(self, call.account, int(prm.newCallId), book)
        prm.newCall = new_call
        old.replaced = True
        new_call.recorder, call.recorder = call.recorder, None
        self.calls[old.public_id] = new_call
        self.retired.append(call)
        try:
            remote = clean_text(str(new_call.getInfo().remoteUri), 256)
        except pj.Error:
            remote = ""
        book.remote = remote
        self.emit(CallState(old.public_id, "confirmed", 200, f"replaced by {remote}".strip(), old.direction))

    # -------------------------------------------------------------- commands

    def _call(self, call_id: str) -> EngineCall:
        call = self.calls.get(call_id)
        if call is None or call.book.ended:
            raise CommandError(f"no call {call_id}")
        return call

    def _account(self, name: str | None) -> EngineAccount:
        if name is None:
            if self.accounts:
                return self.accounts[0]
            assert self.local is not None
            return self.local
        for account in [*self.accounts, *([self.local] if self.local else [])]:
            if account.name == name:
                return account
        raise CommandError(f"no account {name}")

    def target_uri(self, target: str, account: EngineAccount) -> str:
        """A full SIP URI for a number or URI, routed like the account's registrar."""
        target = target.strip()
        if target.startswith("<") and target.endswith(">"):
            target = target[1:-1]
        if ":" in target.split("@", 1)[0] and target.split(":", 1)[0].lower() in ("sip", "sips", "tel"):
            return target
        if "@" in target:
            return f"sip:{target}"
        options = account.options
        if options is None:
            raise CommandError(f"{target!r} is not a SIP URI and there is no registrar to route it")
        host = account.registrar.split(":", 1)[1].split(";", 1)[0]
        return with_transport(f"sip:{quote(target, safe='+*#')}@{host}", options.transport)

    def cmd_make_call(self, call_id: str, target: str, headers: dict[str, str], account: str | None) -> None:
        """Place a call (the id was made by the caller)."""
        if self.stopping:
            raise CommandError("the engine is stopping")
        acc = self._account(account)
        live = sum(1 for c in self.calls.values() if not c.book.ended) + len(self.retired)
        book = CallBook(call_id, "outbound", headers=dict(headers), started_at=time.monotonic())
        call = EngineCall(self, acc, pj.PJSUA_INVALID_ID, book)
        self.calls[call_id] = call
        try:
            if live >= self.call_limit:
                raise CommandError(f"call limit reached: this phone holds at most {self.call_limit} "
                                   "calls at once")
            uri = self.target_uri(target, acc)
            book.remote = clean_text(uri, 256)
            call.makeCall(uri, op_param(headers=headers))
        except Exception as exc:
            book.ended = True
            self.calls.pop(call_id, None)
            self.graveyard.append(call)
            message = describe_error(exc) if isinstance(exc, pj.Error) else clean_text(str(exc), 200)
            self.emit(CallEnded(call_id, f"failed: {message}", 0, 0.0, None, "outbound"))
            raise

    def cmd_answer(self, call_id: str) -> None:
        """Answer a ringing call with 200 (its ring timeout stops: the 200 is on its way)."""
        call = self._call(call_id)
        call.answer(op_param(200))
        call.book.ring_deadline = None

    def cmd_reject(self, call_id: str, code: int) -> None:
        """Refuse a ringing call (486 busy, 603 decline...)."""
        call = self._call(call_id)
        call.book.local_hangup = True
        call.hangup(op_param(code))

    def cmd_hangup(self, call_id: str) -> None:
        """End a call in any state (CANCEL when still ringing out)."""
        call = self._call(call_id)
        call.book.local_hangup = True
        call.hangup(op_param())

    def cmd_hold(self, call_id: str) -> None:
        """Put a call on hold by re-INVITE."""
        self._call(call_id).setHold(op_param())

    def cmd_resume(self, call_id: str) -> None:
        """Take a call off hold by re-INVITE."""
        prm = op_param()
        prm.opt.flag = pj.PJSUA_CALL_UNHOLD
        self._call(call_id).reinvite(prm)

    def cmd_mute(self, call_id: str) -> None:
        """Stop sending our audio into the call (the call stays up)."""
        call = self._call(call_id)
        call.book.muted = True
        if self.hub is not None:
            self.hub.unwire_source(call)

    def cmd_unmute(self, call_id: str) -> None:
        """Send our audio again."""
        call = self._call(call_id)
        call.book.muted = False
        if self.hub is not None:
            self.hub.wire(call, self.calls)

    def cmd_send_dtmf(self, call_id: str, digits: str, method: DtmfMethod) -> None:
        """Send DTMF by RFC 2833 events or SIP INFO."""
        call = self._call(call_id)
        if method == "info":
            prm = pj.CallSendDtmfParam()
            prm.method = pj.PJSUA_DTMF_METHOD_SIP_INFO
            prm.digits = digits
            call.sendDtmf(prm)
        else:
            call.dialDtmf(digits)

    def cmd_blind_transfer(self, call_id: str, target: str, headers: dict[str, str]) -> None:
        """REFER the remote party to `target`; the case headers ride in the REFER and the Refer-To."""
        call = self._call(call_id)
        uri = self.target_uri(target, call.account)
        refer_to = uri
        if headers:
            query = "&".join(f"{quote(k, safe='-')}={quote(v, safe='')}" for k, v in headers.items())
            refer_to = f"<{uri}?{query}>"
        call.book.transfer_target = clean_text(uri, 256)
        call.xfer(refer_to, op_param(headers=headers))

    def cmd_consult(self, call_id: str, consult_id: str, target: str, headers: dict[str, str]) -> None:
        """Hold the call and dial the consult target with the case headers."""
        call = self._call(call_id)
        if not call.book.held:
            call.setHold(op_param())
        self.cmd_make_call(consult_id, target, headers, call.account.name)
        self.calls[consult_id].book.consult_of = call_id

    def cmd_complete_transfer(self, call_id: str, consult_id: str) -> None:
        """Attended transfer: REFER the held party to the consult target with Replaces."""
        call = self._call(call_id)
        consult = self._call(consult_id)
        call.book.transfer_target = consult.book.remote
        call.xferReplaces(consult, op_param(headers=consult.book.headers))

    def cmd_cancel_consult(self, call_id: str, consult_id: str) -> None:
        """Drop the consult call and take the original one off hold."""
        consult = self.calls.get(consult_id)
        if consult is not None and not consult.book.ended:
            consult.book.local_hangup = True
            consult.hangup(op_param())
        if self._call(call_id).book.held:
            self.cmd_resume(call_id)

    def cmd_conference(self, a: str, b: str) -> None:
        """Mix two calls together (and with us); held ones are resumed."""
        call_a, call_b = self._call(a), self._call(b)
        assert self.hub is not None
        self.hub.links.add(frozenset((a, b)))
        for call in (call_a, call_b):
            if call.book.held:
                self.cmd_resume(call.book.public_id)
            else:
                self.hub.wire(call, self.calls)
        self.emit(ConferenceChanged(self._conference_ids()))

    def cmd_split(self, a: str, b: str) -> None:
        """Stop mixing two calls; both stay up with us."""
        call_a, call_b = self._call(a), self._call(b)
        assert self.hub is not None
        self.hub.links.discard(frozenset((a, b)))
        self.hub.unlink(call_a, call_b)
        self.emit(ConferenceChanged(self._conference_ids()))

    def _conference_ids(self) -> tuple[str, ...]:
        assert self.hub is not None
        return tuple(sorted({call_id for link in self.hub.links for call_id in link}))

    def cmd_register(self, account: str | None) -> None:
        """(Re-)register an account now."""
        acc = self._account(account)
        acc.wanted = True
        acc.auth_failed = False
        self.emit(Registration(acc.name, "registering", "", 0, acc.registrar))
        acc.setRegistration(True)

    def cmd_unregister(self, account: str | None) -> None:
        """Remove an account's registration."""
        acc = self._account(account)
        acc.wanted = False
        acc.setRegistration(False)

    def cmd_play_tone(self, hz: float | None) -> None:
        """Send a sine tone into every call instead of the microphone (None: back to the microphone)."""
        assert self.hub is not None
        self.hub.set_tone(hz, [c for c in self.calls.values() if not c.book.muted])

    def cmd_switch_audio(self, output: str | None, input_device: str | None) -> None:
        """Move the headset to other devices while calls go on (None keeps that direction's)."""
        if self.sound is None:
            raise CommandError("no sound devices: this phone runs with null audio")
        self.emit(switch_headset(self.sound, input_device, output))

    def cmd_play_file(self, call_id: str | None, path: str) -> None:
        """Play a mono 16-bit WAV once into a call (None: into every call), replacing what played there."""
        assert self.hub is not None
        if call_id is not None:
            self._call(call_id)
        if call_id in self.hub.players:
            self.end_playback(call_id, "stopped")
        try:
            self.hub.start_player(call_id, Path(path), self.calls)
        except ValueError as exc:
            raise CommandError(str(exc)) from None

    def cmd_stop_playback(self, call_id: str | None) -> None:
        """Stop what `play_file` plays into a call (None: into every call)."""
        assert self.hub is not None
        if call_id not in self.hub.players:
            raise CommandError(f"nothing is playing into {call_id or 'every call'}")
        self.end_playback(call_id, "stopped")

    def cmd_set_monitor_mode(self, call_id: str, mode: str) -> None:
        """Rewire a supervisor's monitoring call to listen, whisper or barge."""
        call = self._call(call_id)
        if call.book.monitor is None or mode not in ("listen", "whisper", "barge"):
            raise CommandError(f"call {call_id} is not a monitoring call or {mode!r} is no mode")
        monitor: MonitorMode = mode  # type: ignore[assignment]
        call.book.monitor = monitor
        if self.hub is not None:
            self.hub.wire(call, self.calls)
        target = next((c.book.public_id for c in self.calls.values()
                       if c.book.monitor is None and c.book.answered_at is not None), None)
        self.emit(MonitorStarted(call_id, monitor, call.book.supervisor, target))

    def cmd_change_monitor_mode(self, call_id: str, mode: str, token: str) -> None:
        """Supervisor's side: ask the agent's phone to rewire our monitoring call (INFO)."""
        monitor_info.send_mode_change(self._call(call_id), mode, token)

    # -------------------------------------------------------------- shutdown

    def shutdown(self) -> None:
        """The clean shutdown recipe; always ends with libDestroy when libCreate ran."""
        self.stopping = True
        ep = self.ep
        lingering: list[EngineAccount] = []
        try:
            if ep is None:
                return
            if self.started:
                ep.hangupAllCalls()
                deadline = time.monotonic() + 1.5
                while time.monotonic() < deadline and any(not c.book.ended for c in self.calls.values()):
                    ep.libHandleEvents(20)
                    self._send_refusals()  # INVITEs that came in meanwhile get their 503
                for call in list(self.calls.values()):
                    self._drop_recorder(call)
                if self.hub is not None:
                    for key in list(self.hub.players):
                        self.end_playback(key, "stopped")
                    self.hub.close()
                self.dropped_players.clear()
                while self.closing_recordings:  # the bridge closes the WAVs on its clock thread
                    ep.libHandleEvents(10)
                    self._report_recordings(time.monotonic())
                self.refusals.clear()
                self.calls.clear()
                self.retired.clear()
                self.graveyard.clear()
                gc.collect()
                registered = [a for a in self.accounts if a.registered]
                for account in registered:
                    with contextlib.suppress(pj.Error):
                        account.setRegistration(False)
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline and any(a.registered for a in registered):
                    ep.libHandleEvents(20)
                for account in [*self.accounts, *([self.local] if self.local else [])]:
                    if account.health.in_flight:
                        # An OPTIONS to a dead registrar stays pending for ~32 s; deleting its account
                        # now makes libDestroy abort when that transaction ends (measured). Keep the
                        # account until libDestroy, which ends the transaction and then deletes it.
                        lingering.append(account)
                    else:
                        account.shutdown()
            self.accounts.clear()
            self.local = None
            self.hub = None
            self.ip_change = None  # it holds the Endpoint, which must die with libDestroy
            if self.sound is not None:
                self.log.note(f"sound bridge: {self.sound.summary()}")
                self.sound.detach()  # the conference port goes before libDestroy
            gc.collect()
            self.destroying = True
            # Calls are hung up and accounts unregistered above: skip the network part, which only
            # waits a fixed second for transactions we no longer care about.
            ep.libDestroy(pj.PJSUA_DESTROY_NO_NETWORK)
        finally:
            lingering.clear()
            self.ip_change = None
            self.ep = None
            gc.collect()
            if self.sound is not None:
                with contextlib.suppress(Exception):
                    self.sound.close()
                self.sound = None
            if self.ringer is not None:
                with contextlib.suppress(Exception):
                    self.ringer.close()
                self.ringer = None
            self.log.close()
