"""`bench/request_path.py` runs in quick mode and prints its five figures (no time asserted: the machine
running the tests is shared, the figures are for BENCHMARKS.md); every request answered as expected
(the benchmark fails on any other status)."""

from __future__ import annotations

import pytest

from tests.support.bench_run import run_quick

pytestmark = pytest.mark.timeout(200)


def test_request_path_bench_quick_prints_its_figures() -> None:
    result = run_quick("request_path", timeout_s=180)
    names = [f["name"] for f in result["figures"]]
    assert names[:2] == ["lookup, fast lane, CPU per request", "lookup, FastAPI's path, CPU per request"]
    assert any("401 on the first router" in n for n in names)
    assert any("401 on the last router" in n for n in names)
    assert any("sync route" in n for n in names)
    assert all(f["value"] > 0 and f["unit"] == "µs" for f in result["figures"])
    assert result["requests"] == 300
