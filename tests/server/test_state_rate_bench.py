"""`bench/agent_state_rate.py` runs end to end in quick mode and prints its figures (no rate asserted:
the machine running the tests is shared, the figure is for BENCHMARKS.md)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_state_rate_bench_quick_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.agent_state_rate", "--quick"], cwd=ROOT, capture_output=True, text=True,
        timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no JSON on stdout: {done.stdout[-2000:]!r} {done.stderr[-2000:]!r}"
    result = json.loads(lines[-1])
    assert result["bench"] == "agent_state_rate"
    assert result["failed"] == 0
    figures = {f["name"]: f for f in result["figures"]}
    rate = figures["state changes/s, best of 1"]
    assert rate["target"] == ">= 200"
    assert isinstance(rate["ok"], bool)
    assert math.isfinite(rate["value"])
    assert rate["value"] > 0
    assert figures["server CPU per change, median"]["value"] > 0
    # The supervisor's stream saw the changes and the wallboard's coalesced rows.
    assert result["events"]["agent_state"] > 0
    assert result["events"]["agent_rows"] > 0
