"""How the phone engine is set up: plain frozen dataclasses, filled from Settings by the caller.

Passwords and the monitor key are `SecretStr` so they never show in a repr or a log; they come from
the credential store (or `AGENT_TUI_SIP_PASSWORD` for scripting), never from the config file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

Transport = Literal["udp", "tcp", "tls"]
SrtpUse = Literal["off", "optional", "mandatory"]

DEFAULT_CODECS: tuple[str, ...] = ("PCMA/8000", "PCMU/8000", "G722/16000")
"""Codec priority, best first; every other codec keeps pjsua2's lower priority."""

CALL_LIMIT = 4
"""Calls the pjsua2 wheel 2.15.1.post1 holds at once, whatever `max_calls` says; the engine reads the
real figure from the library at start (`core_setup.pjsua_call_capacity`) and uses this only as a fallback.

Why 4, and why no setting lifts it: pjsua's call table (`pjsua_var.calls[PJSUA_MAX_CALLS]`) is sized
at compile time, and `pjsua_call_subsys_init` clamps `max_calls` to PJSUA_MAX_CALLS. In this wheel's
machine code that function resets exactly 4 slots and stores 4 when max_calls > 3; the wheel builds
pjproject 2.15.1 with pjsua.h's own PJSUA_MAX_CALLS. `pjsua_call_get_max_count()` after libInit gives
2 for maxCalls=2 and 4 for maxCalls=32, and the 5th `makeCall` fails in `alloc_call_id` with
PJ_ETOOMANY before any dialog, media port or socket is made (so conference ports, media transports
and ioqueue slots play no part). `tests/phone/test_call_capacity.py` keeps this proof. More calls
need a pjproject built with a larger PJSUA_MAX_CALLS (config_site.h) or one engine per process."""


@dataclass(frozen=True)
class AccountOptions:
    """One SIP account behind a registrar (or a list of them, first = primary, rest = backups)."""

    user: str
    domain: str
    registrars: tuple[str, ...] = ()
    """Registrar URIs, e.g. `sip:10.0.0.5:5060`; empty means the domain itself."""
    transport: Transport = "udp"
    srtp: SrtpUse = "off"
    expires_s: int = 300
    health_interval_s: float = 3.0
    """Seconds between OPTIONS pings to the registrar; 3 notices a dead one within 10 s."""
    health_timeout_s: float = 2.0
    """An OPTIONS ping without an answer after this long counts as a failure."""
    display_name: str = ""
    auth_user: str | None = None
    """Digest user name when it differs from `user`."""
    password: SecretStr | None = field(default=None, repr=False)
    name: str = ""
    """Short name used in events; defaults to `user@domain`."""

    @property
    def key(self) -> str:
        """The account's name in events and commands."""
        return self.name or f"{self.user}@{self.domain}"


@dataclass(frozen=True)
class EngineOptions:
    """Everything the engine needs; the defaults give a headless engine on loopback, no accounts."""

    accounts: tuple[AccountOptions, ...] = ()
    listen: tuple[str, int] = ("127.0.0.1", 0)
    """Address of the SIP transports (UDP and TCP on the same port); port 0 picks a free one.
    With no accounts this is the no-registrar mode: calls to this address ring us directly."""
    public_address: str | None = None
    """Address to put in Contact/SDP when `listen` is a wildcard address."""
    tls_listen_port: int | None = None
    """Open a TLS transport on this port (0 = any) when set, or when an account uses TLS."""
    tls_ca_file: Path | None = None
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_verify_server: bool = False
    codecs: tuple[str, ...] = DEFAULT_CODECS
    max_calls: int = 32
    auto_answer: bool = False
    """Answer every incoming call at once (ghost agents, training)."""
    ring_timeout_s: float = 30.0
    """An incoming call nobody answers within this many seconds is refused with 480 Temporarily
    Unavailable and ends as `CallEnded(missed=True)`; 0 lets it ring until the caller gives up.
    Without it, INVITEs that are never cancelled keep their call slots (4 in this build) forever
    and every later call gets 486."""
    recording_dir: Path | None = None
    """Record every call into this folder as WAV; None records nothing."""
    log_file: Path | None = None
    """pjsip's log goes here (never to the terminal); None discards it."""
    log_level: int = 3
    monitor_key: SecretStr | None = field(default=None, repr=False)
    """HMAC key that signs supervisor monitoring tokens; None refuses every monitoring call."""
    null_audio: bool = True
    """Use pjsua2's null sound device (headless); False opens the PortAudio bridge."""
    input_device: str | None = None
    """Microphone for the PortAudio bridge: an index, a (part of a) name, or None/"default"."""
    output_device: str | None = None
    """Earpiece for the PortAudio bridge, chosen the same way."""
    earpiece_file: Path | None = None
    """Headless only: record what the agent hears (every call, whisper and ringback mixed, as the
    headset would play it) into this WAV from the engine's start to its stop."""
    ring_device: str | None = None
    """Where incoming calls ring (e.g. a desk speaker), chosen like `output_device`; None rings on no
    device (the desk still shows the call). Needs `null_audio` False."""
    ring_file: Path | None = None
    """The ring tone, a 16-bit PCM WAV played in a loop; None: a built-in 450 Hz, 1 s on, 4 s off."""
    ring_volume: float = 0.8
    """Loudness of the ring tone, 0.0-1.0 of the file's own."""
    audio_stream_factory: Callable[..., Any] | None = field(default=None, repr=False, compare=False)
    """Makes the bridge's duplex stream instead of `sounddevice.RawStream` (tests, other back ends);
    it gets the devices as given (unresolved)."""
    ringback_hz: float = 425.0
    """Local ringback tone played to the agent while an outgoing call rings without early media
    (425 Hz, 1 s on, 4 s off: the Chinese standard); 0 plays none."""
    ringback_on_ms: int = 1000
    ringback_off_ms: int = 4000
    stats_interval_s: float = 5.0
    """Seconds between CallStats events during a call (0 = only at hang-up)."""
    retry_interval_s: int = 30
    first_retry_interval_s: int = 5
    user_agent: str = "agent-tui"
    ip_change_watch_s: float = 2.0
    """Seconds between looks at the host's addresses; a change (or a registration lost for a network
    reason) re-registers and re-INVITEs the calls from the new address (`ip_change.py`). 0: off."""
