"""Incoming calls: the screen pop, 180 Ringing, refusals (sent at the next loop turn), monitoring
calls checked by their token, and the ring timeout."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pjsua2 as pj

from agent_tui.phone.account import EngineAccount
from agent_tui.phone.call import CallBook, EngineCall, op_param
from agent_tui.phone.core_base import describe_error, new_call_id
from agent_tui.phone.core_transfers import EngineTransfers
from agent_tui.phone.events import IncomingCall, MonitorMode, MonitorStarted
from agent_tui.phone.monitor_token import verify_token
from agent_tui.phone.sanitize import caller_headers, clean_text, parse_headers, split_name_addr, uri_user

_RING_TIMEOUT_CODE = 480
"""The final answer to a call nobody picked up in time: 480 Temporarily Unavailable (RFC 3261
21.4.18: the callee was contacted but is not available now) tells a PBX or queue to offer the call
elsewhere, where 486 would claim the agent is busy and 408 would blame the network."""


class EngineIncoming(EngineTransfers):
    """Layer: incoming calls, from the INVITE to ringing, refused or monitored."""

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
