"""Registration of the SIP accounts: registered or failed, OPTIONS health pings to the registrar, and
failover to the next registrar."""

from __future__ import annotations

import time
from typing import Any

import pjsua2 as pj

from agent_tui.phone.account import EngineAccount, registrar_config
from agent_tui.phone.core_incoming import EngineIncoming
from agent_tui.phone.events import Health, Registration
from agent_tui.phone.sanitize import clean_text

_AUTH_CODES = (401, 403, 407)
_HEALTH_REPORT_S = 30.0


class EngineRegistration(EngineIncoming):
    """Layer: the registration and health of the SIP accounts."""

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
