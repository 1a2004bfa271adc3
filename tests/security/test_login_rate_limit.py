"""Login rate limiting: N failures per (user, address) in a window give 429 problem+json with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from agent_tui.server.ratelimit import LoginLimiter
from tests.server.conftest import make_client

PROBLEM = "application/problem+json"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(tmp_path: Path, clock: FakeClock) -> Iterator[TestClient]:
    """The app with 3 failures per 60 s allowed, on a clock the test controls."""
    with make_client(f"sqlite:///{tmp_path / 'server.db'}", login_max_failures=3, login_window_s=60) as app:
        app.app.state.login_limiter = LoginLimiter(3, 60, clock=clock)  # type: ignore[attr-defined]
        yield app


def attempt(client: TestClient, username: str, password: str, address: str = "testclient") -> httpx.Response:
    # TestClient's peer address is fixed; a second address needs a second client transport.
    body = {"username": username, "password": password}
    if address == "testclient":
        response: httpx.Response = client.post("/v1/sessions", json=body)
        return response
    other = TestClient(client.app, client=(address, 50000), raise_server_exceptions=False)
    response = other.post("/v1/sessions", json=body)
    return response


def assert_limited(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 429
    assert "too many failed logins" in body["detail"]
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    return retry_after


def test_failures_lock_the_pair_out_with_retry_after(client: TestClient, clock: FakeClock) -> None:
    for _ in range(3):
        assert attempt(client, "agent01", "wrong").status_code == 401
    # Locked: even the right password is refused without being checked.
    assert assert_limited(attempt(client, "agent01", "demo")) == 60
    clock.now += 45
    assert assert_limited(attempt(client, "AGENT01", "wrong")) == 15  # usernames count case-insensitively
    clock.now += 15
    assert attempt(client, "agent01", "demo").status_code == 201


def test_lockout_is_per_user_and_per_address(client: TestClient) -> None:
    for _ in range(3):
        attempt(client, "agent01", "wrong")
    assert_limited(attempt(client, "agent01", "demo"))
    assert attempt(client, "agent02", "demo").status_code == 201  # another user from the same address
    assert attempt(client, "agent01", "demo", address="10.9.8.7").status_code == 201  # same user elsewhere


def test_success_resets_the_count(client: TestClient) -> None:
    for _ in range(2):
        assert attempt(client, "agent01", "wrong").status_code == 401
    assert attempt(client, "agent01", "demo").status_code == 201
    for _ in range(2):
        assert attempt(client, "agent01", "wrong").status_code == 401
    # Two failures after the reset, not four: still allowed.
    assert attempt(client, "agent01", "demo").status_code == 201


def test_unknown_users_are_limited_too(client: TestClient) -> None:
    for _ in range(3):
        assert attempt(client, "nobody", "x").status_code == 401
    assert_limited(attempt(client, "nobody", "x"))


def test_sliding_window_releases_one_failure_at_a_time(clock: FakeClock) -> None:
    limiter = LoginLimiter(2, 10, clock=clock)
    key = limiter.key("a", "1.2.3.4")
    limiter.failed(key)
    clock.now += 4
    limiter.failed(key)
    assert limiter.retry_after(key) == 6
    clock.now += 6
    assert limiter.retry_after(key) is None
    limiter.failed(key)  # the one at +4 is still inside the window
    assert limiter.retry_after(key) == 4


def test_memory_is_bounded(clock: FakeClock) -> None:
    limiter = LoginLimiter(3, 60, max_keys=100, clock=clock)
    for n in range(1000):
        limiter.failed(limiter.key(f"user{n}", "1.2.3.4"))
        limiter.failed(limiter.key("target", "1.2.3.4"))  # recently failed: kept
    assert limiter.tracked() == 100
    assert limiter.retry_after(limiter.key("target", "1.2.3.4")) is not None
    clock.now += 61
    assert limiter.retry_after(limiter.key("target", "1.2.3.4")) is None


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="positive"):
        LoginLimiter(0, 60)
