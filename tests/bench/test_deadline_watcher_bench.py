"""The deadline-watcher benchmark runs in its quick mode against the real server and prints its figures
(no timing asserted: the figures are judged in BENCHMARKS.md, on a machine that may be loaded)."""

from __future__ import annotations

import math

import pytest

from tests.support.bench_run import run_quick

pytestmark = pytest.mark.timeout(300)


def test_quick_run_prints_lateness_and_every_expected_alert() -> None:
    result = run_quick("deadline_watcher", timeout_s=280)
    figures = {f["name"]: f for f in result["figures"]}
    assert set(figures) == {"sqlite lateness p50", "sqlite lateness p95", "sqlite lateness max",
                            "sqlite alerts arrived"}
    arrived = figures["sqlite alerts arrived"]
    assert arrived["value"] == 2 * result["due"], "every due order raised its EF and accept breach"
    assert result["sqlite_measured"] > 0
    p50, p95, worst = (figures[f"sqlite lateness {k}"]["value"] for k in ("p50", "p95", "max"))
    assert all(math.isfinite(v) and v >= 0 for v in (p50, p95, worst))
    assert p50 <= p95 <= worst
