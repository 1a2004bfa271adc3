"""The desk soak benchmark in quick mode: it runs end to end, every call pops, the desk survives and
quits cleanly, and nothing it started is left running.

`python -m bench.desk_soak --quick` exactly as `bench/run_all.py` runs it (without --quick). Its
processes (backend, desk) inherit a marker variable, so any survivor is found by its environment.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from bench.desk_soak import FD_SLACK, QUICK_CALLS

pytestmark = pytest.mark.peers

ROOT = Path(__file__).resolve().parents[2]
MARK = "AGENT_TUI_SOAK_SMOKE"
FIGURES = [
    "calls through one desk", "desk alive, clean quit", "calls popped (desk log)", "call rate",
    "call cycle p50", "call cycle p99", "desk RSS after warm-up", "desk RSS growth after warm-up",
    "desk RSS growth from the first tenth", "desk open fds growth after warm-up", "desk CPU per call",
]


def marked_processes(mark: str) -> list[int]:
    """Live processes whose environment holds `MARK=mark`."""
    needle = f"{MARK}={mark}".encode()
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_quick_soak_runs_clean() -> None:
    mark = uuid.uuid4().hex
    env = dict(os.environ)
    env[MARK] = mark
    done = subprocess.run([sys.executable, "-m", "bench.desk_soak", "--quick"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not marked_processes(mark), "the soak left processes running"
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout[-2000:]
    result: dict[str, Any] = json.loads(lines[-1])
    assert result["bench"] == "desk_soak"
    figures = {fig["name"]: fig for fig in result["figures"]}
    assert list(figures) == FIGURES
    for fig in figures.values():
        assert math.isfinite(fig["value"]), fig
        assert isinstance(fig["ok"], bool) if fig["target"] else fig["ok"] is None, fig
    assert figures["calls through one desk"]["value"] == QUICK_CALLS
    assert figures["desk alive, clean quit"]["ok"] is True
    assert figures["calls popped (desk log)"]["value"] == QUICK_CALLS
    assert figures["desk open fds growth after warm-up"]["value"] <= FD_SLACK
    assert figures["desk RSS after warm-up"]["value"] > 0
    assert result["warm_up"] == QUICK_CALLS // 2  # a short run warms up for half of its calls
    series = result["series"]
    assert series[-1]["calls"] == QUICK_CALLS
    assert all(point["fds"] > 0 and point["rss_mib"] > 0 for point in series)
