"""`bench/event_streams.py` runs end to end in quick mode (200 streams from a client process against the
real server on PostgreSQL) and prints its figures; every delivery arrived once (no latency asserted: the
machine running the tests is shared, the figure is for BENCHMARKS.md)."""

from __future__ import annotations

import math

import pytest

from tests.support.bench_run import run_quick
from tests.support.peers import require_pg_bin

pytestmark = pytest.mark.timeout(300)


def test_event_streams_bench_quick_prints_its_figures() -> None:
    require_pg_bin("initdb")
    result = run_quick("event_streams", timeout_s=280)
    figures = {f["name"]: f for f in result["figures"]}
    assert figures["streams open"]["value"] == 200
    assert result["open_errors"] == []
    assert result["events"] == 300
    assert result["expected"] > 300  # supervisors' streams share most events
    assert figures["deliveries lost"]["value"] == 0
    assert result["duplicates"] == 0
    p95 = figures["event → delivered to all p95 (100/s, desk)"]
    assert p95["target"] == "<= 200 ms"
    assert isinstance(p95["ok"], bool)
    assert math.isfinite(p95["value"])
    assert p95["value"] > 0
    assert figures["server memory per stream"]["value"] > 0
