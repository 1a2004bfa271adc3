"""The dependency audit of `make test`: pip-audit over the venv, loud when it could not really audit.

pip-audit asks PyPI's JSON API for advisories. Where that API is unreachable (a mirror or no network),
pip-audit skips every package and still says "No known vulnerabilities found"; this gate tells the
difference: known vulnerabilities fail the build (exit 1), an audit that could not run or that skipped
every dependency prints a loud warning and passes (exit 0), so an offline build is not blocked.

Run as `python -m tests.security.dep_audit` from the repo root.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BANNER = "!" * 78


@dataclass(frozen=True)
class Verdict:
    """What the audit found: vulnerable packages, how many were audited and how many skipped."""

    vulnerable: dict[str, list[str]]
    audited: int
    skipped: int

    @property
    def blind(self) -> bool:
        """True when nothing could be checked (advisory service unreachable)."""
        return self.audited == 0


def classify(report: dict[str, Any]) -> Verdict:
    """Read pip-audit's JSON report."""
    vulnerable: dict[str, list[str]] = {}
    audited = skipped = 0
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            skipped += 1
            continue
        audited += 1
        ids = [str(v.get("id")) for v in dependency.get("vulns", [])]
        if ids:
            vulnerable[f"{dependency.get('name')} {dependency.get('version')}"] = ids
    return Verdict(vulnerable, audited, skipped)


def warn(message: str) -> None:
    """A warning nobody scrolling past the build log can miss."""
    print(f"{BANNER}\nWARNING: dependency audit NOT done: {message}\n{BANNER}", file=sys.stderr)


def main() -> int:
    """Run pip-audit; the exit code for make."""
    out = Path(".pip-audit.json")
    command = [sys.executable, "-m", "pip_audit", "--vulnerability-service", "pypi", "--skip-editable",
               "--progress-spinner", "off", "--format", "json", "--output", str(out)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        warn(f"pip-audit did not run ({exc})")
        return 0
    try:
        report = json.loads(out.read_text())
    except (OSError, ValueError):
        warn(f"pip-audit wrote no report (exit {done.returncode}): {done.stderr.strip()[-500:]}")
        return 0
    finally:
        out.unlink(missing_ok=True)
    verdict = classify(report)
    if verdict.vulnerable:
        for package, ids in sorted(verdict.vulnerable.items()):
            print(f"VULNERABLE: {package}: {', '.join(ids)}", file=sys.stderr)
        return 1
    if verdict.blind:
        warn(f"the advisory service could not be reached: all {verdict.skipped} packages skipped")
        return 0
    print(f"dependency audit: {verdict.audited} packages audited, none vulnerable "
          f"({verdict.skipped} skipped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
