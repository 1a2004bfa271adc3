"""Mid-call changes of a monitoring mode: a SIP INFO inside the supervisor's monitoring call.

The supervisor's phone sends `INFO` with `X-Monitor: listen|whisper|barge` and a fresh
`X-Monitor-Token` (signed by the backend, as on the INVITE). The agent's phone verifies the token
like the INVITE's: a valid one rewires the conference bridge by the new mode and gets 200; a forged,
expired or too weak one gets 403 and the mode stays as it was. No re-dial: the supervisor's audio
never drops. The supervisor's phone reports the answer as `MonitorModeChanged`.

pjsua2 has no call to answer an in-dialog request other than INVITE, so the agent's side answers
the INFO's transaction with pjsip's own C functions (`pjsip_endpt_create_response`,
`pjsip_tsx_send_msg`), called through ctypes from the callback that reports it (engine thread).
"""

from __future__ import annotations

import ctypes
import functools
import time
from collections.abc import Callable
from typing import Any

import pjsua2 as pj

from agent_tui.phone.call import EngineCall, header_vector
from agent_tui.phone.events import MonitorMode, MonitorModeChanged, PhoneEvent
from agent_tui.phone.monitor_token import verify_token
from agent_tui.phone.sanitize import clean_text, parse_headers

MODES: tuple[MonitorMode, ...] = ("listen", "whisper", "barge")
MODE_HEADER = "X-Monitor"
TOKEN_HEADER = "X-Monitor-Token"  # noqa: S105 - a header name


def send_mode_change(call: EngineCall, mode: str, token: str) -> None:
    """Ask the agent's phone to rewire our monitoring call `call` to `mode` (engine thread)."""
    if mode not in MODES:
        raise ValueError(f"{mode!r} is no monitoring mode (listen, whisper, barge)")
    if call.book.direction != "outbound" or call.book.answered_at is None:
        raise ValueError(f"call {call.book.public_id} is not a monitoring call we placed and that is up")
    prm = pj.CallSendRequestParam()
    prm.method = "INFO"
    prm.txOption.headers = header_vector({MODE_HEADER: mode, TOKEN_HEADER: token})
    call.sendRequest(prm)
    call.book.monitor_request = mode


def on_tsx(call: EngineCall, prm: Any, key: str | None, rewire: Callable[[str, str], None],
           emit: Callable[[PhoneEvent], None], note: Callable[[str], None]) -> None:
    """onCallTsxState: answer a mode change sent to us, or report the answer to the one we sent.

    `key` is the monitor key (None refuses every change), `rewire(call_id, mode)` rewires the bridge.
    """
    event = prm.e
    if event.type != pj.PJSIP_EVENT_TSX_STATE:
        return
    tsx = event.body.tsxState.tsx
    if str(tsx.method) != "INFO":
        return
    if tsx.role == pj.PJSIP_ROLE_UAC:
        _answered(call, tsx, emit)
    elif call.book.monitor is not None and tsx.state == pj.PJSIP_TSX_STATE_TRYING:
        _asked(call, tsx, event, key, rewire, note)


def _answered(call: EngineCall, tsx: Any, emit: Callable[[PhoneEvent], None]) -> None:
    mode = call.book.monitor_request
    if mode is None or tsx.state not in (pj.PJSIP_TSX_STATE_COMPLETED, pj.PJSIP_TSX_STATE_TERMINATED):
        return
    call.book.monitor_request = None
    code = int(tsx.statusCode)
    emit(MonitorModeChanged(call.book.public_id, mode, 200 <= code < 300, code,
                            clean_text(str(tsx.statusText), 120)))


def _asked(call: EngineCall, tsx: Any, event: Any, key: str | None, rewire: Callable[[str, str], None],
           note: Callable[[str], None]) -> None:
    rdata = event.body.tsxState.src.rdata
    try:
        headers = parse_headers(str(rdata.wholeMsg))
    except Exception:  # undecodable bytes: no mode change in it
        return
    mode = headers.get("x-monitor", "").strip().lower()
    if not mode:
        return  # some other INFO (DTMF): pjsua answers it
    token = headers.get("x-monitor-token", "").strip()
    if key is None or mode not in MODES or not verify_token(key, token, mode, time.time()):
        note(f"monitoring mode change refused with 403: mode={clean_text(mode, 20)!r}, "
             "token invalid or expired")
        respond(tsx, rdata, 403)
        return
    respond(tsx, rdata, 200)
    if mode != call.book.monitor:
        rewire(call.book.public_id, mode)


class _PjsipLib:
    """The few pjsip C functions pjsua2 does not wrap, from the already loaded pjsua2 module."""

    def __init__(self) -> None:
        lib = ctypes.CDLL(pj._pjsua2.__file__)
        self.endpoint = lib.pjsua_get_pjsip_endpt
        self.endpoint.restype = ctypes.c_void_p
        self.endpoint.argtypes = []
        self.create_response = lib.pjsip_endpt_create_response
        self.create_response.restype = ctypes.c_int
        self.create_response.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                         ctypes.POINTER(ctypes.c_void_p)]
        self.send = lib.pjsip_tsx_send_msg
        self.send.restype = ctypes.c_int
        self.send.argtypes = [ctypes.c_void_p, ctypes.c_void_p]


@functools.cache
def _pjsip() -> _PjsipLib:
    """Looked up once (the functions are the same for every engine)."""
    return _PjsipLib()


def respond(tsx: Any, rdata: Any, code: int) -> None:
    """Send a final response `code` on the incoming request's transaction (engine thread, in its callback)."""
    lib = _pjsip()
    tdata = ctypes.c_void_p()
    status = lib.create_response(lib.endpoint(), int(rdata.pjRxData), code, None, ctypes.byref(tdata))
    if status != 0 or not tdata.value:
        raise RuntimeError(f"pjsip could not make the {code} response (status {status})")
    status = lib.send(int(tsx.pjTransaction), tdata.value)
    if status != 0:
        raise RuntimeError(f"pjsip could not send the {code} response (status {status})")
