"""Finding real peers (Kamailio, SIPp, baresip, PostgreSQL...) for tests.

A missing peer skips the test loudly, or fails it when AGENT_TUI_REQUIRE_PEERS=1 (as in CI).
"""

from __future__ import annotations

import glob
import os
import shutil

import pytest


def peers_required() -> bool:
    """True when a missing peer must fail the run instead of skipping."""
    return os.environ.get("AGENT_TUI_REQUIRE_PEERS", "") == "1"


def require_binary(name: str, package: str) -> str:
    """The absolute path of `name`, else skip (or fail in CI) naming the Debian package."""
    path = shutil.which(name)
    if path is None:
        for prefix in ("/usr/sbin", "/sbin", "/usr/local/sbin"):
            candidate = os.path.join(prefix, name)
            if os.access(candidate, os.X_OK):
                path = candidate
                break
    if path is None:
        message = f"PEER MISSING: {name} (Debian package {package}); run `make peers` as root"
        if peers_required():
            pytest.fail(message)
        pytest.skip(message)
    return path


def require_pg_bin(name: str) -> str:
    """A PostgreSQL server binary (initdb, pg_ctl, postgres) from Debian's versioned folder."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    return require_binary(name, "postgresql")
