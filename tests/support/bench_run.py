"""Run a benchmark script as `bench/run_all.py` does, in quick mode, for its smoke test; its JSON result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_quick(name: str, timeout_s: float = 240) -> dict[str, Any]:
    """`python -m bench.NAME --quick` from the repository root; asserts it succeeded; the last JSON line."""
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--quick"], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout_s, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no JSON on stdout: {done.stdout[-2000:]!r} {done.stderr[-2000:]!r}"
    result: dict[str, Any] = json.loads(lines[-1])
    assert result["bench"] == name
    return result
