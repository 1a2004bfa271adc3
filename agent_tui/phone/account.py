"""A pjsua2 account: the local no-registrar one, or one behind a registrar with health pings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pjsua2 as pj

from agent_tui.phone.ip_change_engine import configure_account
from agent_tui.phone.options import AccountOptions, EngineOptions


class AccountSink(Protocol):
    """What an account reports to (the engine core)."""

    def guard(self, where: str, handler: Any, *args: Any) -> None:
        """Run `handler(*args)`, turning any exception into a log line and an EngineError."""

    def reg_state(self, account: EngineAccount, prm: Any) -> None:
        """onRegState."""

    def incoming_call(self, account: EngineAccount, prm: Any) -> None:
        """onIncomingCall."""

    def send_request_done(self, account: EngineAccount, prm: Any) -> None:
        """onSendRequest (the answer to a health OPTIONS)."""


@dataclass
class HealthBook:
    """State of the OPTIONS pings of one account."""

    ok: bool | None = None
    sent_at: float | None = None
    next_at: float = 0.0
    failures: int = 0
    last_report_at: float = 0.0
    in_flight: int = 0
    """OPTIONS transactions still open in pjsip (ours may have given up on them already)."""


class EngineAccount(pj.Account):  # type: ignore[misc]
    """A pjsua2 Account whose callbacks are guarded and handed to the engine core."""

    def __init__(self, sink: AccountSink, options: AccountOptions | None, name: str) -> None:
        super().__init__()
        self.sink = sink
        self.options = options
        self.name = name
        self.registrar_index = 0
        self.health = HealthBook()
        self.auth_failed = False
        self.registered = False
        self.wanted = True

    @property
    def registrar(self) -> str:
        """The registrar URI in use ('' for the local account)."""
        if self.options is None:
            return ""
        registrars = self.options.registrars or (f"sip:{self.options.domain}",)
        return with_transport(registrars[self.registrar_index % len(registrars)], self.options.transport)

    def onRegState(self, prm: Any) -> None:
        self.sink.guard("onRegState", self.sink.reg_state, self, prm)

    def onIncomingCall(self, prm: Any) -> None:
        self.sink.guard("onIncomingCall", self.sink.incoming_call, self, prm)

    def onSendRequest(self, prm: Any) -> None:
        self.sink.guard("onSendRequest", self.sink.send_request_done, self, prm)


def with_transport(uri: str, transport: str) -> str:
    """`uri` with `;transport=tcp|tls` appended unless UDP or already present."""
    if transport == "udp" or ";transport=" in uri.lower():
        return uri
    return f"{uri};transport={transport}"


_SRTP = {"off": 0, "optional": 1, "mandatory": 2}


def local_config(user: str, address: str) -> Any:
    """AccountConfig of the no-registrar account answering on `address` (host:port)."""
    cfg = pj.AccountConfig()
    cfg.idUri = f"sip:{user}@{address}"
    cfg.regConfig.registrarUri = ""
    cfg.regConfig.registerOnAdd = False
    cfg.mediaConfig.srtpUse = 0
    return configure_account(cfg)


def registrar_config(account: EngineAccount, engine: EngineOptions) -> Any:
    """AccountConfig of an account behind its current registrar."""
    options = account.options
    assert options is not None
    cfg = pj.AccountConfig()
    cfg.idUri = f"sip:{options.user}@{options.domain}"
    if options.display_name:
        cfg.idUri = f'"{options.display_name}" <{cfg.idUri}>'
    cfg.regConfig.registrarUri = account.registrar
    cfg.regConfig.timeoutSec = options.expires_s
    cfg.regConfig.retryIntervalSec = engine.retry_interval_s
    cfg.regConfig.firstRetryIntervalSec = engine.first_retry_interval_s
    cfg.regConfig.registerOnAdd = True
    cfg.regConfig.dropCallsOnFail = False
    if options.password is not None:
        cred = pj.AuthCredInfo("digest", "*", options.auth_user or options.user, 0,
                               options.password.get_secret_value())
        cfg.sipConfig.authCreds.append(cred)
    cfg.mediaConfig.srtpUse = _SRTP[options.srtp]
    cfg.mediaConfig.srtpSecureSignaling = 0
    return configure_account(cfg)
