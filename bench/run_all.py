"""Run every benchmark under bench/ and rewrite the results table in BENCHMARKS.md.

Usage: `python bench/run_all.py [NAME ...]` (names without `.py`; default: all).
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REPORT = ROOT / "BENCHMARKS.md"
BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
NOT_BENCHMARKS = {"__init__", "report", "run_all"}


def machine() -> str:
    """A short description of this machine for the table."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def run_one(script: Path) -> dict[str, Any]:
    """Run one benchmark module (`python -m bench.NAME`) and parse the last JSON object it printed."""
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{script.stem}"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    for line in reversed(done.stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            parsed: dict[str, Any] = json.loads(line)
            return parsed
    return {"bench": script.stem, "error": (done.stderr.strip().splitlines() or ["no output"])[-1]}


def rows(result: dict[str, Any], today: str, where: str) -> list[str]:
    """Table rows for one benchmark's result."""
    name = result.get("bench", "?")
    if "error" in result:
        return [f"| {name} | (failed: {result['error']}) | | | {today} | {where} |"]
    out = []
    for fig in result.get("figures", []):
        mark = {True: " ✓", False: " ✗"}.get(fig.get("ok"), "")
        value = fig["value"]
        shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        out.append(
            f"| {name} | {fig['name']} | {fig.get('target', '')} | {shown} {fig.get('unit', '')}{mark} "
            f"| {today} | {where} |"
        )
    return out


def main(argv: list[str]) -> int:
    """Run the benchmarks named (or all) and update BENCHMARKS.md."""
    # Modules named with a leading underscore are helpers the benchmarks share, not benchmarks.
    scripts = sorted(p for p in HERE.glob("*.py")
                     if p.stem not in NOT_BENCHMARKS and not p.stem.startswith("_"))
    if argv:
        scripts = [p for p in scripts if p.stem in argv]
    today = date.today().isoformat()
    where = machine()
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    old_table, _, tail = rest.partition(END)
    ran = {script.stem for script in scripts}
    # Rows of benchmarks not run this time stay as they were, with their own date.
    by_bench: dict[str, list[str]] = {}
    for line in old_table.strip().splitlines()[2:]:
        name = line.strip("| ").split(" |", 1)[0].strip()
        if name and name not in ran:
            by_bench.setdefault(name, []).append(line)
    for script in scripts:
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        result = run_one(script)
        print(json.dumps(result, ensure_ascii=False))
        by_bench[script.stem] = rows(result, today, where)
    table = ["| benchmark | figure | target | this run | date | machine |", "|---|---|---|---|---|---|"]
    for name in sorted(by_bench):
        table.extend(by_bench[name])
    REPORT.write_text(head + BEGIN + "\n" + "\n".join(table) + "\n" + END + tail, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
