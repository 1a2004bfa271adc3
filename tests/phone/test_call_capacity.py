"""The proof of the call cap: pjsua clamps `maxCalls` to its compile-time PJSUA_MAX_CALLS.

A bare pjsua2 (no engine) runs in its own process (pjsua2 allows one Endpoint per process) and dials
a UDP socket that never answers, so every call stays in its slot. It reports what pjsua itself says
after `libInit` (`pjsua_call_get_max_count`, the clamped `max_calls`) and where `makeCall` stops.
maxCalls below the compiled value is honoured exactly; above it, the library keeps the compiled value,
whatever the configuration asks. The engine reads the same figure and refuses calls beyond it.

If a future pjsua2 wheel is built with a larger PJSUA_MAX_CALLS, `test_the_wheel_compiles_in_...`
fails and says so: then raise `options.CALL_LIMIT` (the fallback) and the soak figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.options import CALL_LIMIT
from tests.phone.support import EventLog

PJ_ETOOMANY = 70010
COMPILED_MAX_CALLS = 4
"""PJSUA_MAX_CALLS of wheel pjsua2-python 2.15.1.post1 (in its machine code, `pjsua_call_subsys_init`
resets 4 call slots and stores 4 into max_calls when it is above 3)."""

_PROBE = textwrap.dedent(
    """
    import ctypes, gc, json, socket, sys
    import pjsua2 as pj

    wanted = int(sys.argv[1])
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a far end that never answers
    sink.bind(("127.0.0.1", 0))
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.maxCalls = wanted
    asked = cfg.uaConfig.maxCalls  # the nested struct is set in place, not on a copy
    cfg.logConfig.level = 0
    cfg.logConfig.consoleLevel = 0
    ep.libInit(cfg)
    tcfg = pj.TransportConfig()
    tcfg.boundAddress = "127.0.0.1"
    ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, tcfg)
    ep.libStart()
    ep.audDevManager().setNullDev()
    get_max_count = ctypes.CDLL(pj._pjsua2.__file__).pjsua_call_get_max_count
    get_max_count.restype = ctypes.c_uint
    acc_cfg = pj.AccountConfig()
    acc_cfg.idUri = "sip:probe@127.0.0.1"
    acc = pj.Account()
    acc.create(acc_cfg, True)
    calls, status, where = [], 0, ""
    for _ in range(wanted + 2):
        call = pj.Call(acc)
        try:
            call.makeCall(f"sip:sink@127.0.0.1:{sink.getsockname()[1]}", pj.CallOpParam(True))
        except pj.Error as exc:
            status, where = int(exc.status), str(exc.title)
            break
        calls.append(call)
    result = {"asked": asked, "max_count": int(get_max_count()), "made": len(calls),
              "status": status, "where": where}
    del call
    calls.clear()
    gc.collect()
    acc.shutdown()
    del acc
    gc.collect()
    ep.libDestroy(pj.PJSUA_DESTROY_NO_NETWORK)
    print("PROBE " + json.dumps(result), flush=True)
    """
)


def probe(max_calls: int) -> dict[str, Any]:
    """Run the bare pjsua2 probe with `maxCalls = max_calls` and return its report."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(max_calls)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert lines, done.stdout[-2000:]
    report: dict[str, Any] = json.loads(lines[-1].removeprefix("PROBE "))
    return report


@pytest.mark.parametrize("max_calls", [2, 3])
def test_max_calls_below_the_compiled_value_is_honoured(max_calls: int) -> None:
    report = probe(max_calls)
    assert report["asked"] == max_calls
    assert report["max_count"] == max_calls
    assert report["made"] == max_calls
    assert report["status"] == PJ_ETOOMANY
    assert "pjsua_call_make_call" in report["where"]


def test_the_wheel_compiles_in_four_calls_whatever_max_calls_says() -> None:
    report = probe(32)
    assert report["asked"] == 32  # the configuration did ask for 32...
    assert report["max_count"] == COMPILED_MAX_CALLS, (
        f"pjsua now holds {report['max_count']} calls: this wheel's PJSUA_MAX_CALLS changed; "
        "raise options.CALL_LIMIT and the soak's figures"
    )  # ...pjsua clamped it at libInit
    assert report["made"] == COMPILED_MAX_CALLS  # the 5th makeCall fails in pjsua_call_make_call,
    assert report["status"] == PJ_ETOOMANY  # before any dialog, media port or socket exists
    assert COMPILED_MAX_CALLS == CALL_LIMIT


def test_the_engine_reports_the_capacity_read_from_the_library(engine: PhoneEngine, events: EventLog) -> None:
    assert engine.options.max_calls > COMPILED_MAX_CALLS
    assert engine.info.max_calls == COMPILED_MAX_CALLS
