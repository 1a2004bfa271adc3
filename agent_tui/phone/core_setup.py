"""Starting pjsua2 on the engine thread: the library, its transports, codecs, the media hub and the
accounts."""

from __future__ import annotations

import ctypes

import pjsua2 as pj

from agent_tui.phone.account import EngineAccount, local_config, registrar_config
from agent_tui.phone.audio_bridge import open_bridge
from agent_tui.phone.core_registration import EngineRegistration
from agent_tui.phone.events import EngineStarted, Registration
from agent_tui.phone.ip_change import IpChangeWatch, watch_interval
from agent_tui.phone.ip_change_engine import IpChangeDriver
from agent_tui.phone.logbridge import silenced_stdout
from agent_tui.phone.media import MediaHub
from agent_tui.phone.options import CALL_LIMIT
from agent_tui.phone.ringer import ringer_for

TRACE_LEVEL = 4
"""The pjsip log level of SIP messages (pjsua_core.c): the least the log runs at, for the SIP trace."""
LOCAL_USER = "agent"


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


class EngineSetup(EngineRegistration):
    """Layer: pjsua2's start on the engine thread."""

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
        watch_s = watch_interval(opts.ip_change_watch_s, self.host, opts.public_address)
        if watch_s != opts.ip_change_watch_s:
            self.log.note(f"network-change watch off: the listener is bound to {self.host} (or a public "
                          "address is set), so a new host address cannot be followed")
        self.ip_change = IpChangeDriver(self.ep, IpChangeWatch(interval_s=watch_s), self.emit, self.log.note)
        self.started = True
        return EngineStarted(address=address, udp_port=self.udp_port, tcp_port=self.tcp_port,
                             tls_port=self.tls_port, max_calls=self.call_limit,
                             audio="null" if self.sound is None else "portaudio")

    def _contact_host(self) -> str:
        if self.options.public_address:
            return self.options.public_address
        return self.host if self.host not in ("", "0.0.0.0", "::") else "127.0.0.1"  # noqa: S104

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
