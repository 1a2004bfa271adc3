"""`bench/wallboard_keys.py` runs in quick mode and prints its figures (no timing asserted)."""

from __future__ import annotations

import math

from tests.support.bench_run import run_quick


def test_wallboard_keys_bench_quick_prints_its_figures() -> None:
    result = run_quick("wallboard_keys")
    names = [f["name"] for f in result["figures"]]
    assert names[0] == "CPU per 1,000 events (feed, model, paints; in process)"
    assert {"CPU per key, median (ctrl+o sort)", "CPU per key, median (pgdn, new pages)",
            "CPU per key, median (pgup, back)", "CPU per key, median (filter set/cleared)"} <= set(names)
    assert result["agents"] == 1000
    assert result["sent"] > 0
    for figure in result["figures"]:
        assert figure["unit"] == "ms"
        assert math.isfinite(figure["value"]), figure
        assert figure["value"] > 0, figure
