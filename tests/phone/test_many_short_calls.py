"""Many short calls, several at once, into `agent-tui bot`: every call ends and the bot exits 0.

A regression test for lost calls: with 3-4 calls up at once (the build's cap is 4), some calls never
ended and the engine aborted at exit (a pjsua2 Call alive after libDestroy), and a 403 to a forged
monitoring call while another call was up aborted the process (`pjsip_rx_data_free_cloned`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.peers import require_binary
from tests.support.sip_peers import AgentBot, Sipp, group_members
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

SCENARIO = Path(__file__).with_name("uac_short_calls.xml")
CALLS = 200
BAD_MONITOR_EVERY = 5
"""Every fifth call carries a monitoring header without a valid token: it is refused with 403."""


def write_rows(path: Path) -> Path:
    """SIPp injection rows: field1/field2 are one extra header (a forged monitoring request or a queue)."""
    rows = ["SEQUENTIAL"]
    for n in range(CALLS):
        rows.append("x;X-Monitor;listen" if n % BAD_MONITOR_EVERY == 1 else f"x;X-Queue;q{n}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_200_short_calls_four_at_once_all_end(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    bot = AgentBot(tmp_path / "bot")
    bot.start()
    sipp = Sipp(require_binary("sipp", "sip-tester"), tmp_path / "sipp")
    sipp.workdir.mkdir()
    code: int | None = None
    try:
        # 40 set-ups a second stays under the engine's ~30 per 0.5 s; 4 at once is the call cap.
        result = sipp.run(str(SCENARIO), bot.address, calls=CALLS, rate=40, limit=4, recv_timeout_ms=5000,
                          timeout=60, extra=["-inf", str(write_rows(tmp_path / "rows.csv"))])
        assert bot.alive, f"the bot died: {bot.stderr_text()[-3000:]}"
        assert result.ok, result.explain()
        refused = CALLS // BAD_MONITOR_EVERY
        wait_for(lambda: len(bot.events("incoming")) >= CALLS - refused, 10, message="every plain call rang")
        wait_for(lambda: len(bot.events("ended")) >= CALLS, 10, message="every call ended")
        ended = bot.events("ended")
        assert len({e["call_id"] for e in ended}) == len(ended) == CALLS
        assert {e["call_id"] for e in bot.events("incoming")} <= {e["call_id"] for e in ended}
        assert sum(1 for e in ended if e["code"] == 403) == refused
    finally:
        sipp.stop_all()
        try:
            code = bot.stop()
        finally:
            assert not group_members(bot.pgid or -1)
            assert not sipp.leftover_pids()
    assert code == 0, f"the bot exited with {code}: {bot.stderr_text()[-3000:]}"
    assert bot.events("stopped") == [{"event": "stopped", "t": bot.events("stopped")[0]["t"], "clean": True}]
