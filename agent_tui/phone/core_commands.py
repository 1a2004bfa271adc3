"""The commands the facade queues (`cmd_<name>`, run by `run_command`): calls, transfers, conference,
registration and audio."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote

import pjsua2 as pj

from agent_tui.phone.account import EngineAccount, with_transport
from agent_tui.phone.audio_bridge import switch_headset
from agent_tui.phone.call import CallBook, EngineCall, op_param
from agent_tui.phone.core_base import CommandError, describe_error
from agent_tui.phone.core_setup import EngineSetup
from agent_tui.phone.events import CallEnded, ConferenceChanged, DtmfMethod, Registration
from agent_tui.phone.sanitize import clean_text


class EngineCommands(EngineSetup):
    """Layer: the commands queued by the facade."""

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
