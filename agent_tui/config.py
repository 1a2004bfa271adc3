"""Settings: a TOML file, overridden by `AGENT_TUI_<SECTION>__<KEY>` environment variables.

`load_config()` reads the file (`--config`, else `$AGENT_TUI_CONFIG`, else the user config dir), validates
it strictly (unknown keys are errors) and returns frozen `Settings`. Every problem is reported as
`FILE:LINE: key.path: message`, or `$VARIABLE: key.path: message` when an environment variable caused it.
Secrets never live here: they belong in the credential store (`agent_tui.credentials`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    field_validator,
)
from pydantic import model_validator as model_check
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from agent_tui import paths
from agent_tui.tomlfile import TomlDocument, TomlError, dotted, load_toml

ENV_PREFIX = "AGENT_TUI_"
"""Prefix of the environment variables that override settings."""
ENV_DELIMITER = "__"
"""Separates section and key in an environment variable name: `AGENT_TUI_BACKEND__URL`."""
SECRET_MESSAGE = "secrets belong in the credential store, not in config (see README)"  # noqa: S105
"""The error for a password (or similar) key anywhere in the config."""
SECRET_KEYS = frozenset({"password", "passwd", "secret", "token", "api_key"})
"""Key names that would hold a secret; never accepted."""

_HOST = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
_HOST_PORT = re.compile(rf"(?P<host>{_HOST}|\*):(?P<port>\d{{1,5}})")
_SIP_URI = re.compile(rf"sips?:(?:[^@\s;:]+(?::[^@\s;]*)?@)?{_HOST}(?::\d{{1,5}})?(?:;[^\s;]+)*")
_SIP_USER = re.compile(r"[^\s@:;<>\"]+")
_DOMAIN = re.compile(_HOST)
_CODEC = re.compile(r"[A-Za-z0-9.+-]+/\d{4,6}(?:/\d)?")
_KEY = re.compile(r"[A-Za-z0-9_+-]+")


class _Section(BaseModel):
    """Base of every settings section: frozen, strict about unknown keys, documented fields.

    Each field has a docstring under it (tests/config checks them in the source). pydantic's
    `use_attribute_docstrings` would copy them into the field descriptions, but it reads and parses
    this file's source for every model when the module is imported (~30 ms of every start-up), and
    nothing reads the descriptions at run time.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


# -- value types -----------------------------------------------------------------------------------


def _device(value: object) -> str | int:
    # One validator instead of a `str | int` union, whose errors would be reported twice.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f'expected a device name, an index or "null", got {describe(value)}')
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"expected a device index >= 0, got {value}")
        return value
    if not value.strip():
        raise ValueError('expected a device name, an index or "null", got an empty string')
    return value.strip()


def _sip_uri(value: str) -> str:
    if not _SIP_URI.fullmatch(value):
        raise ValueError(f"expected a SIP URI like 'sip:pbx.example.com:5060', got {describe(value)}")
    return value


def _codec(value: str) -> str:
    if not _CODEC.fullmatch(value):
        raise ValueError(f"expected a codec like 'PCMA/8000', got {describe(value)}")
    return value


def _keys(value: str) -> str:
    if not all(_KEY.fullmatch(part.strip()) for part in value.split(",")):
        raise ValueError(f"expected keys like 'f5' or 'ctrl+e,f6', got {describe(value)}")
    return value


SipUri = Annotated[str, AfterValidator(_sip_uri)]
"""A SIP URI such as `sip:10.0.0.5:5060;transport=tcp`."""
Codec = Annotated[str, AfterValidator(_codec)]
"""A codec as NAME/RATE, e.g. `PCMA/8000`."""
Keys = Annotated[str, AfterValidator(_keys)]
"""One key or several, comma separated, as Textual names them: `f5`, `ctrl+e,f6`."""
AudioDevice = Annotated[str | int, PlainValidator(_device)]
"""A sound device: its name (or part of it), its index, `"default"` or `"null"` (no audio)."""


def _to_path(value: object) -> object:
    # TOML has no path type: accept strings even when checking strictly, and expand `~`.
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("expected a file path, got an empty string")
        return Path(value).expanduser()
    return value


FilePath = Annotated[Path, BeforeValidator(_to_path)]
"""A file or folder path; `~` is expanded."""


# -- sections --------------------------------------------------------------------------------------


class BackendSettings(_Section):
    """The REST backend the desk, wallboard and trainer talk to."""

    url: str = "http://127.0.0.1:8080"
    """Base URL of the backend (the API lives under `/v1`)."""
    username: str | None = None
    """User name to log in with; `--user` overrides it. The password is asked for, or comes from the
    credential store."""
    verify_tls: bool = True
    """Check the backend's TLS certificate (https URLs). Turn off only for a lab."""
    ca_file: FilePath | None = None
    """PEM file of the CA that signed the backend's certificate, when it is not a public one."""
    connect_timeout_s: float = Field(default=3.0, gt=0, le=120)
    """Seconds to wait for a connection to the backend."""
    read_timeout_s: float = Field(default=10.0, gt=0, le=600)
    """Seconds to wait for a response once connected."""
    health_probe_s: float = Field(default=3.0, ge=0.5, le=60)
    """After this many seconds with no exchange with the backend, a light health check
    (`GET /v1/health`) runs, and waits as long for its answer; while offline it runs this often.
    The status bar shows a dead or stalled backend offline within about twice this."""

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value)
        try:
            port_ok = parts.port is None or 0 < parts.port < 65536
        except ValueError:
            port_ok = False
        if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
            raise ValueError(f"expected an http:// or https:// URL, got {describe(value)}")
        return value.rstrip("/")

    @field_validator("ca_file")
    @classmethod
    def _check_ca_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file not found: {value}")
        return value


class SipAccount(_Section):
    """One SIP account (an `[[sip.accounts]]` table). Its password lives in the credential store under
    `credentials.sip_key(user, domain)`."""

    user: str
    """SIP user (extension), e.g. `1001`."""
    domain: str
    """SIP domain (realm) of the account, e.g. `pbx.example.com`."""
    display_name: str = ""
    """Name shown to the people we call."""
    registrars: list[SipUri] = Field(default_factory=list)
    """Registrar URIs, e.g. `sip:10.0.0.5:5060;transport=tcp`: the first is the primary, the others
    are tried in order when it fails. Empty means `sip:<domain>`."""
    transport: Literal["udp", "tcp", "tls"] = "udp"
    """SIP transport to the registrar."""
    srtp: Literal["disabled", "optional", "mandatory"] = "disabled"
    """Encrypt media with SRTP (SDES): `mandatory` needs `transport = "tls"` to be of any use."""
    register_expires_s: int = Field(default=300, ge=30, le=86400)
    """Registration lifetime asked of the registrar, in seconds."""
    health_interval_s: float = Field(default=3.0, ge=0, le=3600)
    """Seconds between OPTIONS pings to the registrar, to notice a dead one fast; 0 turns them off."""
    health_timeout_s: float = Field(default=2.0, gt=0, le=60)
    """An OPTIONS ping without an answer after this long counts as a failure."""
    retry_interval_s: int = Field(default=30, ge=1, le=3600)
    """Seconds between registration retries after a failure."""
    first_retry_interval_s: int = Field(default=5, ge=1, le=3600)
    """Seconds before the first registration retry."""
    auth_user: str | None = None
    """Digest authentication user when it differs from `user`."""

    @field_validator("user", "auth_user")
    @classmethod
    def _check_user(cls, value: str | None) -> str | None:
        if value is not None and not _SIP_USER.fullmatch(value):
            raise ValueError(f"expected a SIP user name without spaces, @, : or ;, got {describe(value)}")
        return value

    @field_validator("domain")
    @classmethod
    def _check_domain(cls, value: str) -> str:
        if not _DOMAIN.fullmatch(value):
            raise ValueError(f"expected a host name or IP address, got {describe(value)}")
        return value

    @property
    def registrar_uris(self) -> list[str]:
        """The registrars to use, primary first (`sip:<domain>` when none are configured)."""
        return list(self.registrars) or [f"sip:{self.domain}"]

    @property
    def key(self) -> str:
        """`user@domain`, the account's name in events and in the credential store."""
        return f"{self.user}@{self.domain}"


class SipSettings(_Section):
    """The embedded softphone."""

    mode: Literal["registrar", "listen"] = "listen"
    """`registrar`: register the `[[sip.accounts]]`; `listen`: no registrar, calls to `listen` ring us.
    When left out: `registrar` if any account is configured, else `listen`."""
    listen: str = "127.0.0.1:5060"
    """HOST:PORT of the SIP transports (UDP and TCP); port 0 picks a free one. Use `0.0.0.0:5060` to
    take calls from other machines."""
    public_address: str | None = None
    """Address to put in Contact and SDP when `listen` is a wildcard address (behind NAT)."""
    accounts: list[SipAccount] = Field(default_factory=list)
    """SIP accounts, one `[[sip.accounts]]` table each."""
    codecs: list[Codec] = Field(default_factory=lambda: ["PCMA/8000", "PCMU/8000", "G722/16000"])
    """Codec priority, best first (NAME/RATE); codecs not listed keep a lower priority."""
    max_calls: int = Field(default=8, ge=1, le=32)
    """Most calls at once (a consultation, a transfer and a supervisor's monitoring call count too)."""
    auto_answer: bool = False
    """Answer every incoming call at once (ghost agents and training)."""
    dtmf: Literal["rfc2833", "info"] = "rfc2833"
    """How DTMF digits are sent: RTP events (RFC 2833) or SIP INFO."""
    tls_ca_file: FilePath | None = None
    """PEM file of the CA that signed the registrar's TLS certificate."""
    tls_verify_server: bool = True
    """Check the registrar's TLS certificate."""
    user_agent: str = "agent-tui"
    """User-Agent header of our SIP requests."""
    ip_change_watch_s: float = Field(default=2.0, ge=0, le=60)
    """Seconds between looks at this machine's network addresses. When they change (another Wi-Fi,
    a VPN, a new DHCP lease) or the registration is lost for a network reason, the phone registers
    again and re-INVITEs the call in progress from the new address; 0 turns this off. It can follow
    a new address only with `listen` on a wildcard address (0.0.0.0) and no `public_address`."""

    @model_check(mode="before")
    @classmethod
    def _default_mode(cls, data: Any) -> Any:
        if isinstance(data, dict) and "mode" not in data:
            return {**data, "mode": "registrar" if data.get("accounts") else "listen"}
        return data

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, value: str) -> str:
        match = _HOST_PORT.fullmatch(value)
        if not match or int(match["port"]) > 65535:
            raise ValueError(f"expected HOST:PORT with a port from 0 to 65535, got {describe(value)}")
        return value

    @field_validator("tls_ca_file")
    @classmethod
    def _check_ca_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file not found: {value}")
        return value

    @model_check(mode="after")
    def _check_accounts(self) -> SipSettings:
        if self.mode == "registrar" and not self.accounts:
            raise ValueError('mode "registrar" needs at least one [[sip.accounts]] table')
        return self

    @property
    def listen_address(self) -> tuple[str, int]:
        """`listen` split into host and port."""
        host, _, port = self.listen.rpartition(":")
        return host.strip("[]"), int(port)


class UiSettings(_Section):
    """Look and feel of the terminal UI."""

    theme: Literal["dark", "light", "high-contrast", "monochrome"] = "dark"
    """Colour theme; `monochrome` suits 16-colour terminals and screen readers."""
    language: Literal["en", "zh"] = "en"
    """Language of the UI: English or Simplified Chinese."""
    single_key_shortcuts: bool = True
    """Allow shortcuts without a modifier (e.g. `a` to answer); turn off if they get in the way of
    assistive technology."""
    mouse: bool = True
    """Let the UI use the mouse."""
    keymap: dict[str, Keys] = Field(default_factory=dict)
    """Remapped shortcuts: binding id → keys, e.g. `answer = "f5"` or `hangup = "f6,ctrl+e"`."""
    clock: bool = True
    """Show a clock in the header."""


class AudioSettings(_Section):
    """Sound devices (a headset for the call, a speaker for the ring)."""

    capture_device: AudioDevice = "default"
    """Microphone: a device name (or part of it), an index from `agent-tui audio list`, `"default"`, or
    `"null"` for no audio."""
    playback_device: AudioDevice = "default"
    """Earpiece of the call, chosen the same way."""
    ring_device: AudioDevice = "default"
    """Where the ring tone plays (e.g. the desk speaker), chosen the same way; `"null"` rings on no
    device (the desk still shows the call)."""
    ring_file: FilePath | None = None
    """The ring tone: a 16-bit PCM WAV, played in a loop at its own sample rate; unset plays a built-in
    450 Hz tone, 1 s on and 4 s off."""
    ring_volume: float = Field(default=0.8, ge=0.0, le=1.0)
    """Loudness of the ring tone, 0.0 (silent) to 1.0 (as loud as the file)."""
    sample_rate: Literal[8000, 16000, 32000, 48000] = 16000
    """Sample rate of the sound devices in Hz."""


class RecordingSettings(_Section):
    """Local call recording."""

    enabled: bool = False
    """Record every call as a WAV file."""
    directory: FilePath | None = None
    """Folder of the recordings; by default `recordings` in the state dir (see `agent-tui config path`)."""
    keep_days: int = Field(default=30, ge=1, le=3650)
    """Delete recordings older than this many days."""

    def resolve_directory(self) -> Path:
        """The recordings folder, created when needed."""
        if self.directory is None:
            return paths.recordings_dir()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.directory


class LoggingSettings(_Section):
    """Log file (never the terminal: the UI owns it)."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    """Least severe level written, in any case (`debug` works too)."""
    file: FilePath | None = None
    """Log file; by default `agent-tui.log` in the log dir."""
    sip_level: int = Field(default=3, ge=0, le=6)
    """pjsip's own log level (0 quiet … 6 every packet), written to the same folder."""

    @field_validator("level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    def resolve_file(self) -> Path:
        """The log file path, its folder created when needed."""
        if self.file is None:
            return paths.log_dir() / "agent-tui.log"
        self.file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self.file


class DeskSettings(_Section):
    """How the agent desk behaves around calls, and the targets it shows."""

    acw_mode: Literal["optional", "mandatory", "timeboxed"] = "timeboxed"
    """After-call work (话后处理): `optional` (the agent may skip it), `mandatory` (until the agent
    finishes the wrap-up), `timeboxed` (ends by itself after `acw_seconds`)."""
    acw_seconds: int = Field(default=60, ge=0, le=3600)
    """Length of timeboxed after-call work, and the target shown for the other modes."""
    acw_expiry: Literal["save", "stay"] = "save"
    """When timeboxed after-call work runs out with the wrap-up unsaved: `save` what was typed with the
    call record and its ACW time, or `stay` in after-call work until the agent saves it. No call is
    offered while a wrap-up is unsaved either way."""
    auto_ready_after_acw: bool = True
    """Go Ready (示闲) when after-call work ends; else Not Ready."""
    missed_call_not_ready: bool = True
    """Go Not Ready (`missed_call`) when an offered call rings out unanswered while the agent was Ready,
    so the queue stops offering calls to an empty seat."""
    order_alerts: bool = True
    """Show a line on the desk when an order this agent filed is at risk, breached or not accepted in
    time. The server sends them only when its `[escalation] notify_filing_agent` is on."""
    ring_timeout_s: float = Field(default=30.0, gt=0, le=600)
    """Seconds a call may ring here unanswered; then the phone refuses it with 480 Temporarily
    Unavailable (so the PBX offers it elsewhere) and the desk counts it as missed. Keep it below the
    PBX's own per-agent ring time, or the PBX cancels first and the call is not counted as missed."""
    aht_target_s: int = Field(default=300, gt=0, le=86400)
    """Average handle time target (talk + hold + ACW), in seconds."""
    fcr_target: float = Field(default=0.85, ge=0, le=1)
    """First-call resolution target, as a fraction."""
    service_level_target_s: int = Field(default=20, gt=0, le=3600)
    """Service level: calls answered within this many seconds…"""
    service_level_goal: float = Field(default=0.8, ge=0, le=1)
    """…should be at least this fraction of the offered calls."""
    draft_autosave_s: float = Field(default=2.0, gt=0, le=60)
    """Seconds between saves of the screen being filled in, so nothing typed is lost."""
    slow_lookup_s: float = Field(default=1.0, gt=0, le=60)
    """A ringing call's customer lookup slower than this shows "slow lookup (N.N s)" on the card."""
    survey_uri: str = Field(default="", max_length=256)
    """SIP URI of the keypad satisfaction survey (`agent-tui survey`), e.g. `sip:survey@pbx.example`;
    empty: no survey. ctrl+x sends the caller there after the goodbye (a blind transfer that carries
    the call's id in `X-Call-Id` and the backend's survey token for it in `X-Survey-Token`)."""
    survey_on_hangup: bool = False
    """Hanging up a customer's call sends the caller to the survey instead (needs `survey_uri`)."""
    outbound_mode: Literal["off", "preview", "progressive"] = "off"
    """Outbound work (callbacks, campaign contacts) offered when the agent is Ready and idle: `off`
    (callbacks are claimed by hand from the list), `preview` (the agent accepts with ctrl+y or skips
    with ctrl+f during the countdown; when it runs out the item goes back and outbound pauses until
    ctrl+y), or
    `progressive` (dialled when the countdown ends). An inbound call always comes first."""
    outbound_preview_s: float = Field(default=15.0, ge=0, le=300)
    """Length of the preview's countdown, in seconds (0 with `progressive`: dial at once)."""
    outbound_poll_s: float = Field(default=20.0, gt=0, le=3600)
    """When nothing is waiting, ask again after this many seconds."""
    outbound_queues: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    """Offer only callbacks of these queues (empty: every queue)."""


def _pair(value: object) -> object:
    # TOML has arrays, not tuples: take `[warning, alert]` as the pair it means, even when strict.
    if isinstance(value, list):
        if len(value) != 2:
            raise ValueError(f"expected [warning, alert], got {len(value)} values")
        return tuple(value)
    return value


Thresholds = Annotated[tuple[float, float], BeforeValidator(_pair)]
"""Two limits of one figure: `[warning, alert]` (the standard level, then the alert level)."""


class MonitorSettings(_Section):
    """The supervisor's wallboard (`agent-tui monitor`): warning levels, refresh cap, exports.

    Each threshold pair is `[warning, alert]`. For figures where more is worse (waits, times, abandons)
    a value at or above the first is shown as standard (warning) and at or above the second as alert;
    for service level, where less is worse, at or below.
    """

    max_paints_per_s: float = Field(default=4.0, gt=0, le=30)
    """The wallboard repaints at most this often; updates in between are coalesced."""
    service_level: Thresholds = (0.8, 0.7)
    """Service level (answered within the queue's threshold ÷ offered) at or below these: warning, alert."""
    asa_s: Thresholds = (20.0, 40.0)
    """Average speed of answer, seconds."""
    abandon_rate: Thresholds = (0.05, 0.1)
    """Abandon rate (short abandons excluded), as a fraction."""
    longest_wait_s: Thresholds = (30.0, 60.0)
    """Longest wait of a caller in the queue now, seconds."""
    waiting: Thresholds = (5.0, 10.0)
    """Callers waiting in one queue."""
    aht_s: Thresholds = (360.0, 600.0)
    """Average handle time (talk + hold + ACW), seconds."""
    call_s: Thresholds = (600.0, 900.0)
    """An agent's current call longer than this, seconds."""
    acw_s: Thresholds = (60.0, 120.0)
    """An agent's after-call work longer than this, seconds."""
    not_ready_s: Thresholds = (900.0, 1800.0)
    """An agent Not Ready longer than this, seconds."""
    export_dir: FilePath | None = None
    """Where report CSVs and exported recordings are written (default: the state folder's `exports`)."""

    @field_validator("service_level", "asa_s", "abandon_rate", "longest_wait_s", "waiting", "aht_s",
                     "call_s", "acw_s", "not_ready_s")
    @classmethod
    def _non_negative(cls, value: tuple[float, float]) -> tuple[float, float]:
        if min(value) < 0:
            raise ValueError(f"expected values >= 0, got {list(value)}")
        return value


class Settings(BaseSettings):
    """All settings of agent-tui: a TOML file, overridden by `AGENT_TUI_<SECTION>__<KEY>` variables."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        case_sensitive=False,
        frozen=True,
        extra="forbid",
    )

    backend: BackendSettings = Field(default_factory=BackendSettings)
    """The REST backend."""
    sip: SipSettings = Field(default_factory=SipSettings)
    """The softphone."""
    ui: UiSettings = Field(default_factory=UiSettings)
    """The terminal UI."""
    audio: AudioSettings = Field(default_factory=AudioSettings)
    """Sound devices."""
    recording: RecordingSettings = Field(default_factory=RecordingSettings)
    """Call recording."""
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    """Logging."""
    desk: DeskSettings = Field(default_factory=DeskSettings)
    """The agent desk."""
    monitor: MonitorSettings = Field(default_factory=MonitorSettings)
    """The supervisor's wallboard."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment variables beat the file (passed as init values); no dotenv, no secrets dir."""
        return env_settings, init_settings


# -- errors ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in the config, located by file and line, or by environment variable."""

    source: str
    """The config file, or `$VARIABLE` for an environment variable."""
    line: int | None
    """Line in the file, when known."""
    key: str
    """Dotted key, e.g. `sip.accounts[0].transport`."""
    message: str
    """What is wrong, naming what was expected."""

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"

    @classmethod
    def from_toml_error(cls, error: TomlError) -> ConfigProblem:
        """The problem a TomlError describes."""
        return cls(str(error.path), error.line, error.key, error.message)


class ConfigError(Exception):
    """The config is not valid; `problems` lists every problem found."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        super().__init__(problems)
        self.problems = list(problems)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


# -- loading ---------------------------------------------------------------------------------------


def load_config(path: Path | None = None) -> Settings:
    """Read, merge and validate the settings.

    `path` None means `paths.default_config_file()`; when that is the default location (not named by
    `$AGENT_TUI_CONFIG`) and missing, the built-in defaults apply. A named file must exist.
    """
    named = path is not None or bool(os.environ.get(paths.CONFIG_ENV))
    file = path if path is not None else paths.default_config_file()
    doc: TomlDocument | None = None
    if named or file.exists():
        try:
            doc = load_toml(file)
        except TomlError as exc:
            raise ConfigError([ConfigProblem.from_toml_error(exc)]) from None
    data = doc.data if doc is not None else {}
    source = str(file)
    if doc is not None:
        # TOML values are typed: check them strictly first ("yes" is not a boolean here), and alone,
        # so that every problem in the file is reported against its line.
        problems = _file_problems(doc, source)
        if problems:
            raise ConfigError(problems)
    try:
        return Settings(**data)
    except SettingsError as exc:
        raise ConfigError(_env_parse_problems(exc)) from None
    except ValidationError as exc:
        raise ConfigError(_problems(exc.errors(), doc, source, with_env=True)) from None


def check_environment() -> None:
    """Raise ConfigError when the `AGENT_TUI_*` variables alone do not make valid settings.

    For commands that build their settings in code (`agent-tui demo`): checked before they start
    anything, so a bad variable is one clean line, not a traceback after the children started.
    """
    try:
        Settings()
    except SettingsError as exc:
        raise ConfigError(_env_parse_problems(exc)) from None
    except ValidationError as exc:
        raise ConfigError(_problems(exc.errors(), None, "environment", with_env=True)) from None


def _file_problems(doc: TomlDocument, source: str) -> list[ConfigProblem]:
    """Every problem in the file on its own, values checked strictly."""
    errors: list[ErrorDetails] = []
    for key, value in doc.data.items():
        field = Settings.model_fields.get(key)
        section = field.annotation if field is not None else None
        if not (isinstance(section, type) and issubclass(section, BaseModel)):
            # Unknown top-level keys, "_env_file" and friends included (they are BaseSettings options).
            errors.append({"type": "extra_forbidden", "loc": (key,), "msg": "", "input": value})
            continue
        try:
            section.model_validate(value, strict=True)
        except ValidationError as exc:
            errors.extend({**error, "loc": (key, *error["loc"])} for error in exc.errors())
    return _problems(errors, doc, source, with_env=False)


def _env_parse_problems(exc: SettingsError) -> list[ConfigProblem]:
    """Name the variables whose JSON does not parse (pydantic-settings only names the section)."""
    problems = []
    for loc, name in sorted(_env_locs().items()):
        value = os.environ.get(name, "").strip()
        if value[:1] in ("[", "{"):
            try:
                json.loads(value)
            except ValueError as error:
                problems.append(ConfigProblem(f"${name}", None, dotted(loc), f"invalid JSON: {error}"))
    return problems or [ConfigProblem("environment", None, "", str(exc))]


def _env_locs() -> dict[tuple[str, ...], str]:
    """Setting location → environment variable name, for the variables that set something."""
    fields = set(Settings.model_fields)
    locs: dict[tuple[str, ...], str] = {}
    for name in os.environ:
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX):
            continue
        loc = tuple(part.lower() for part in upper[len(ENV_PREFIX) :].split(ENV_DELIMITER))
        if loc and loc[0] in fields:
            locs[loc] = name
    return locs


def _env_data() -> dict[str, Any]:
    try:
        return dict(EnvSettingsSource(Settings)())
    except SettingsError:
        return {}


def _problems(
    errors: Iterable[ErrorDetails], doc: TomlDocument | None, source: str, *, with_env: bool
) -> list[ConfigProblem]:
    env_locs = _env_locs() if with_env else {}
    merged = _merge(doc.data if doc is not None else {}, _env_data() if env_locs else {})
    problems: list[ConfigProblem] = []
    for error in errors:
        loc = _clean_loc(error["loc"], merged)
        variable = next(
            (name for env_loc, name in env_locs.items() if tuple(map(str, loc[: len(env_loc)])) == env_loc),
            None,
        )
        message = _message(error, loc)
        if variable is not None:
            problem = ConfigProblem(f"${variable}", None, dotted(loc), message)
        else:
            line = doc.line_of(loc) if doc is not None else None
            problem = ConfigProblem(source, line, dotted(loc), message)
        if problem not in problems:
            problems.append(problem)
    problems.sort(key=lambda p: (p.source.startswith("$"), p.line or 0))
    return problems


def _unknown_message(name: str, model: type[BaseModel] | None) -> str:
    if name.lower() in SECRET_KEYS:
        return SECRET_MESSAGE
    if model is None:
        return "unknown key"
    return f"unknown key (known keys here: {', '.join(model.model_fields)})"


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _clean_loc(loc: Sequence[str | int], data: Any) -> tuple[str | int, ...]:
    """Drop the parts of a pydantic location that are not keys of the data (union and validator tags)."""
    clean: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, Mapping) and isinstance(part, str):
            clean.append(part)
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            clean.append(part)
            node = node[part]
        else:
            break
    return tuple(clean)


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The settings model that holds the key at `loc`."""
    model: type[BaseModel] = Settings
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        candidate = inner[0] if inner else annotation
        if not (isinstance(candidate, type) and issubclass(candidate, BaseModel)):
            return None
        model = candidate
    return model


_TYPE_MESSAGES = {
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "int_from_float": "expected an integer",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "string_type": "expected a string",
    "list_type": "expected an array",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "path_type": "expected a file path",
    "is_instance_of": "expected a file path",
}


def _message(error: ErrorDetails, loc: tuple[str | int, ...]) -> str:
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        name = loc[-1] if loc and isinstance(loc[-1], str) else str(error["loc"][-1])
        return _unknown_message(name, _model_at(loc))
    if kind == "missing":
        return "required key is missing"
    if kind in _TYPE_MESSAGES:
        return f"{_TYPE_MESSAGES[kind]}, got {describe(value)}"
    if kind == "literal_error":
        expected = str((error.get("ctx") or {}).get("expected", ""))
        return f"expected one of {expected.replace(' or ', ', ')}, got {describe(value)}"
    if kind == "value_error":
        cause = (error.get("ctx") or {}).get("error")
        return str(cause) if cause is not None else error["msg"].removeprefix("Value error, ")
    text = error["msg"]
    if text.startswith("Input should be "):
        text = text.removeprefix("Input should be ")
        if text.startswith(("greater", "less")):
            text = "a value " + text
        text = "expected " + text
    return f"{text}, got {describe(value)}"


def describe(value: object) -> str:
    """A short, safe description of a config value for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"string {shown!r}"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return f"a {type(value).__name__}"
