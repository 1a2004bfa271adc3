"""`[sip]` and `[[sip.accounts]]`: the embedded softphone, its accounts and registrars."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator
from pydantic import model_validator as model_check

from agent_tui.config.errors import describe
from agent_tui.config.section import FilePath, Section

_HOST = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
_HOST_PORT = re.compile(rf"(?P<host>{_HOST}|\*):(?P<port>\d{{1,5}})")
_SIP_URI = re.compile(rf"sips?:(?:[^@\s;:]+(?::[^@\s;]*)?@)?{_HOST}(?::\d{{1,5}})?(?:;[^\s;]+)*")
_SIP_USER = re.compile(r"[^\s@:;<>\"]+")
_DOMAIN = re.compile(_HOST)
_CODEC = re.compile(r"[A-Za-z0-9.+-]+/\d{4,6}(?:/\d)?")


def _sip_uri(value: str) -> str:
    if not _SIP_URI.fullmatch(value):
        raise ValueError(f"expected a SIP URI like 'sip:pbx.example.com:5060', got {describe(value)}")
    return value


def _codec(value: str) -> str:
    if not _CODEC.fullmatch(value):
        raise ValueError(f"expected a codec like 'PCMA/8000', got {describe(value)}")
    return value


SipUri = Annotated[str, AfterValidator(_sip_uri)]
"""A SIP URI such as `sip:10.0.0.5:5060;transport=tcp`."""
Codec = Annotated[str, AfterValidator(_codec)]
"""A codec as NAME/RATE, e.g. `PCMA/8000`."""


class SipAccount(Section):
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


class SipSettings(Section):
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
    a new address only with `listen` on a wildcard address (0.0.0.0) and no `public_address`; otherwise
    the watch stays off (see `phone.ip_change.watch_interval`)."""

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
