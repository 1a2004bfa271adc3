"""`bench/wallboard.py` runs end to end in quick mode and prints its figures (no timing asserted)."""

from __future__ import annotations

import math

from tests.support.bench_run import run_quick

FIGURES = [
    "event → painted p95", "event → painted p50", "change → on screen p95 (tracers)", "wallboard CPU",
    "wallboard CPU per 1,000 events painted", "streams cut (wallboard went stale)", "terminal output 120x40",
    "state changes written",
]


def test_wallboard_bench_quick_prints_its_figures() -> None:
    result = run_quick("wallboard")
    assert [f["name"] for f in result["figures"]] == FIGURES
    assert result["agents"] == 1000
    assert result["sent"] > 0
    assert result["tracers"] > 0  # tracer changes written to the database reached the screen
    assert result["paints"] > 0
    for figure in result["figures"]:
        assert figure["unit"]
        if figure["target"]:
            assert isinstance(figure["ok"], bool)
    cpu = next(f for f in result["figures"] if f["name"] == "wallboard CPU")
    assert math.isfinite(cpu["value"])
    assert cpu["value"] > 0
