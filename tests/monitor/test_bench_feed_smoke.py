"""`bench/wallboard_feed.py` runs in quick mode and prints its figures (no timing asserted)."""

from __future__ import annotations

import math

from tests.support.bench_run import run_quick


def test_wallboard_feed_bench_quick_prints_its_figures() -> None:
    result = run_quick("wallboard_feed")
    assert [f["name"] for f in result["figures"]] == [
        "SSE parsing per event (64 KB chunks)", "event made and validated per event",
        "feed before the model per event"]
    assert result["events"] == 500
    for figure in result["figures"]:
        assert figure["unit"] == "µs"
        assert math.isfinite(figure["value"]), figure
        assert figure["value"] > 0, figure
