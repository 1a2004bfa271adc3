"""The dependency-audit gate's reading of pip-audit reports."""

from __future__ import annotations

from tests.security.dep_audit import classify


def test_vulnerable_package_is_reported() -> None:
    verdict = classify({"dependencies": [
        {"name": "a", "version": "1", "vulns": [{"id": "PYSEC-1"}, {"id": "GHSA-x"}]},
        {"name": "b", "version": "2", "vulns": []},
        {"name": "c", "skip_reason": "editable"},
    ]})
    assert verdict.vulnerable == {"a 1": ["PYSEC-1", "GHSA-x"]}
    assert (verdict.audited, verdict.skipped, verdict.blind) == (2, 1, False)


def test_everything_skipped_is_blind_not_clean() -> None:
    verdict = classify({"dependencies": [
        {"name": "a", "skip_reason": "Dependency not found on PyPI and could not be audited: a (1)"},
    ]})
    assert verdict.blind
    assert not verdict.vulnerable
