"""Transfers seen from the engine: a REFER from the far end, the progress of ours, and a call
replaced by an attended transfer (the new call keeps the public id)."""

from __future__ import annotations

import time
from typing import Any

import pjsua2 as pj

from agent_tui.phone.call import CallBook, EngineCall, op_param
from agent_tui.phone.core_base import new_call_id
from agent_tui.phone.core_calls import EngineCalls
from agent_tui.phone.events import CallState, Transferred, TransferRequested
from agent_tui.phone.sanitize import clean_text, uri_headers


class EngineTransfers(EngineCalls):
    """Layer: transfers, ours and the far end's."""

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
