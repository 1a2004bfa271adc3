"""`bench/wallboard.py` runs end to end in quick mode and prints its figures (no timing asserted)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIGURES = [
    "event → painted p95", "event → painted p50", "change → on screen p95 (tracers)", "wallboard CPU",
    "terminal output 120x40", "state changes sent",
]


def test_wallboard_bench_quick_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.wallboard", "--quick"], cwd=ROOT, capture_output=True, text=True,
        timeout=240, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no JSON on stdout: {done.stdout[-2000:]!r} {done.stderr[-2000:]!r}"
    result = json.loads(lines[-1])
    assert result["bench"] == "wallboard"
    assert [f["name"] for f in result["figures"]] == FIGURES
    assert result["agents"] == 1000
    assert result["sent"] > 0
    assert result["failed"] == 0
    assert result["paints"] > 0
    for figure in result["figures"]:
        assert figure["unit"]
        if figure["target"]:
            assert isinstance(figure["ok"], bool)
    cpu = next(f for f in result["figures"] if f["name"] == "wallboard CPU")
    assert math.isfinite(cpu["value"])
    assert cpu["value"] > 0
