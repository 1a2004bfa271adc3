"""Tokens in use are checked again in batches before their cache entries run out (token_refresh.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete

from agent_tui.domain.base import utc_now
from agent_tui.domain.session import Role
from agent_tui.server import auth
from agent_tui.server.auth import AuthUser, TokenCache
from agent_tui.server.db import Database
from agent_tui.server.models import TokenRow
from agent_tui.server.security import token_hash
from agent_tui.server.token_refresh import TokenRefresher
from tests.server.conftest import login, make_client


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def user(name: str) -> AuthUser:
    return AuthUser(id=1, username=name, role=Role.AGENT, token_hash=f"hash-{name}")


def test_the_cache_refreshes_only_tokens_in_use_and_never_revives_a_dropped_one() -> None:
    clock = Clock()
    cache = TokenCache(ttl_s=5.0, clock=clock)
    later = utc_now() + timedelta(hours=1)
    for name in ("busy", "idle", "gone", "out"):
        cache.put(user(name), later)
    clock.now += 1
    for name in ("busy", "gone", "out"):
        assert cache.get(f"hash-{name}") is not None
    assert cache.due(within_s=3.0) == []  # checked 1 s ago: 4 s of trust left
    clock.now += 1.5
    due = cache.due(within_s=3.0)
    assert sorted(due) == ["hash-busy", "hash-gone", "hash-out"]  # "idle" not used since its check
    started = clock.now
    cache.drop("hash-out")  # logged out while the batch query ran
    promoted = AuthUser(id=1, username="busy", role=Role.SUPERVISOR, token_hash="hash-busy")
    cache.refreshed(due, {"hash-busy": (promoted, later), "hash-out": (user("out"), later)}, started)
    clock.now = started + 4.9
    assert cache.get("hash-busy") == promoted  # trusted 4.9 s after the batch confirmed it, new role
    assert cache.get("hash-gone") is None  # the batch did not find it
    assert cache.get("hash-out") is None  # not brought back
    assert cache.get("hash-idle") is None  # ran out: its requests check it themselves
    clock.now = started + 5.1
    assert cache.get("hash-busy") is None  # never trusted longer than ttl_s after a check


def test_a_busy_token_skips_the_per_request_check_and_a_revoked_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    client = make_client(url)  # no lifespan: the refresher is driven by hand below
    app = client.app
    cache: TokenCache = app.state.token_cache  # type: ignore[attr-defined]
    clock = Clock()
    cache._clock = clock
    checks: list[str] = []
    real = auth.authenticate

    def counting(db: Database, token: str) -> object:
        checks.append(token)
        return real(db, token)

    monkeypatch.setattr(auth, "authenticate", counting)
    headers = login(client, "agent01")
    other = login(client, "agent02")
    refresher = TokenRefresher(app.state.db, cache)  # type: ignore[attr-defined]
    for headers_ in (headers, other):
        assert client.get("/v1/sessions/current", headers=headers_).status_code == 200
    assert len(checks) == 2
    for step in range(1, 5):  # 10 s of a busy desk, a refresh every 2.5 s as the task runs it
        clock.now += 2.5
        assert client.get("/v1/sessions/current", headers=headers).status_code == 200
        assert asyncio.run(refresher.refresh_once()) == 1, step  # agent02 unused: not asked about
    assert len(checks) == 2, "no per-request token check in 10 s"
    # Used once more from the cache, then revoked through another process (its row deleted).
    clock.now += 1
    assert client.get("/v1/sessions/current", headers=headers).status_code == 200
    db = Database(url)
    try:
        with db.write() as session:
            session.execute(delete(TokenRow).where(
                TokenRow.token_hash == token_hash(headers["Authorization"].split()[1])))
    finally:
        db.dispose()
    clock.now += 1.5
    assert asyncio.run(refresher.refresh_once()) == 1
    assert client.get("/v1/sessions/current", headers=headers).status_code == 401
    assert len(checks) == 3, "the revoked token was dropped by the refresh, then checked and refused"
