"""The desk benchmarks run end to end in their quick mode and print valid figures (no timing asserted).

Each runs as `python -m bench.NAME --quick` from the repo root, exactly as `bench/run_all.py` runs it
(without --quick), against the real backend, the real desk in a pseudo-terminal and a real SIP caller.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    "screen_pop": [
        "pop latency p50 (desk)", "pop latency p95 (desk)",
        "dial → card on terminal p50", "dial → card on terminal p95", "desk CPU per ring cycle",
        "desk CPU per ring cycle, main thread",
    ],
    "startup": [
        "launch → first paint (median)", "launch → ready and painted (median)",
        "CPU time until ready (median)", "RSS after start (median)",
        "PSS after start (median)", "USS after start (median)",
    ],
    "terminal_bytes": [
        f"{kind} {size}" for size in ("80x24", "120x40")
        for kind in ("idle", "per screen pop", "per ring cycle")
    ],
}


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    """Each benchmark's quick result, run once for the module."""
    return {}


def run_quick(name: str, cache: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Run one benchmark in quick mode (once per module); the JSON object of its last stdout line."""
    if name in cache:
        return cache[name]
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--quick"], cwd=ROOT, capture_output=True, text=True,
        timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no JSON on stdout: {done.stdout[-2000:]!r} {done.stderr[-2000:]!r}"
    result: dict[str, Any] = json.loads(lines[-1])
    cache[name] = result
    return result


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_quick_run_prints_its_figures(name: str, results: dict[str, dict[str, Any]]) -> None:
    """Every expected figure is there with a finite non-negative value; targets come with a verdict."""
    result = run_quick(name, results)
    assert result["bench"] == name
    figures = {fig["name"]: fig for fig in result["figures"]}
    assert list(figures) == EXPECTED[name]
    for fig in figures.values():
        assert isinstance(fig["value"], int | float)
        assert math.isfinite(fig["value"])
        assert fig["value"] >= 0
        assert fig["unit"]
        if fig["target"]:
            assert isinstance(fig["ok"], bool), fig
        else:
            assert fig["ok"] is None, fig


def test_screen_pop_measures_every_call(results: dict[str, dict[str, Any]]) -> None:
    """The quick run measured each of its five calls from inside the desk and from outside."""
    result = run_quick("screen_pop", results)
    assert result["calls"] == 5
    assert len(result["desk_ms"]) == 5
    assert len(result["outside_ms"]) == 5
    assert all(v > 0 for v in result["desk_ms"] + result["outside_ms"])
    # The CPU by thread: the main thread's share is one of the desk's threads, and no more than the whole.
    figures = {fig["name"]: fig["value"] for fig in result["figures"]}
    assert "main" in result["threads_ms"]
    tick_ms = 10.0 / result["calls"]  # /proc counts CPU in 10 ms ticks, read a few µs apart
    main = figures["desk CPU per ring cycle, main thread"]
    assert 0 < main <= figures["desk CPU per ring cycle"] + 2 * tick_ms
    assert result["idle_ms_per_s"] is None  # measured only when asked (--idle)


def test_terminal_bytes_counts_each_pop(results: dict[str, dict[str, Any]]) -> None:
    """Both sizes were measured; every pop wrote something (a banner and a card at least)."""
    result = run_quick("terminal_bytes", results)
    assert result["idle_s"] == 5.0
    for size in ("80x24", "120x40"):
        detail = result["detail"][size]
        assert len(detail["pop_bytes"]) == 2
        assert all(b > 0 for b in detail["pop_bytes"])
        assert all(c >= p for c, p in zip(detail["cycle_bytes"], detail["pop_bytes"], strict=True))
