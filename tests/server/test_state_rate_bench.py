"""`bench/agent_state_rate.py` runs end to end in quick mode and prints its figures (no rate asserted:
the machine running the tests is shared, the figure is for BENCHMARKS.md)."""

from __future__ import annotations

import math

from tests.support.bench_run import run_quick


def test_state_rate_bench_quick_prints_its_figures() -> None:
    result = run_quick("agent_state_rate")
    assert result["failed"] == 0
    figures = {f["name"]: f for f in result["figures"]}
    rate = figures["state changes/s, best of 1"]
    assert rate["target"] == ">= 1000"
    assert figures["p95 at 1000/s, best of 1"]["target"] == "<= 50"
    assert isinstance(rate["ok"], bool)
    assert math.isfinite(rate["value"])
    assert rate["value"] > 0
    assert figures["server CPU per change, median"]["value"] > 0
    # The supervisor's stream saw the changes and the wallboard's coalesced rows.
    assert result["events"]["agent_state"] > 0
    assert result["events"]["agent_rows"] > 0
