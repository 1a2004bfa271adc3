"""WAV players torn down mid-play hundreds of times on a live, recorded call must not crash pjsua2.

The engine runs in its own process (tests/phone/player_stress.py) so that a SIGSEGV or SIGABRT in
pjsua2 fails this test with the signal in the exit code instead of killing pytest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.phone.conftest import Bots

ROUNDS = 250


def test_players_replaced_and_stopped_mid_play_do_not_crash(bots: Bots, tmp_path: Path) -> None:
    bot = bots.start("--calls", "1")
    argv = [sys.executable, "-X", "faulthandler", "-m", "tests.phone.player_stress", bot.uri(),
            str(tmp_path / "stress"), str(ROUNDS), "6"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, (f"exit {done.returncode} (negative: killed by that signal); "
                                  f"stderr: {done.stderr[-3000:]}")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["clean"] is True
    assert summary["started"] == ROUNDS + 1  # the last one plays to its end
    # Each player ends with exactly one report: stopped, replaced, at its end, or with the call.
    assert summary["finished"] == summary["started"], summary
    assert summary["reasons"].get("eof", 0) >= 1, summary
    assert summary["reasons"].get("stopped", 0) > 0, summary
