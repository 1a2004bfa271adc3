"""Login back-off: per user and per address, separately; waits double up to 30 s and are audited.

Issue 12, finding 5: keyed on (user, address), agents behind one NAT locked each other out and after 5
failures the right password was refused for minutes. Now: a user's failures slow only that user, an
address gets a much larger budget, no wait is longer than 30 s, and the right password passes after it.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from agent_tui.server.ratelimit import MAX_DELAY_S, LoginLimiter
from tests.server.conftest import db_url, login, make_client, pg_server, pg_url, sqlite_url

__all__ = ["db_url", "pg_server", "pg_url", "sqlite_url"]  # the fixtures: SQLite and PostgreSQL

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
def client(db_url: str, clock: FakeClock) -> Iterator[TestClient]:
    """The app (SQLite and PostgreSQL) with 3 free failures per user in 300 s, on a clock the test moves."""
    with make_client(db_url, login_max_failures=3, login_window_s=300) as app:
        app.app.state.login_limiter = LoginLimiter(3, 300, clock=clock)  # type: ignore[attr-defined]
        yield app


def attempt(client: TestClient, username: str, password: str, address: str = "testclient") -> httpx.Response:
    # TestClient's peer address is fixed; another address needs another client transport.
    body = {"username": username, "password": password}
    if address == "testclient":
        response: httpx.Response = client.post("/v1/sessions", json=body)
        return response
    other = TestClient(client.app, client=(address, 50000), raise_server_exceptions=False)
    response = other.post("/v1/sessions", json=body)
    return response


def assert_waits(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM
    assert "too many failed logins" in response.json()["detail"]
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= MAX_DELAY_S
    return retry_after


def test_waits_double_to_30_s_and_the_right_password_passes_after_each(
    client: TestClient, clock: FakeClock
) -> None:
    for _ in range(3):
        assert attempt(client, "agent01", "wrong").status_code == 401  # the free budget
    waits = []
    for _ in range(8):
        assert attempt(client, "agent01", "wrong").status_code == 401
        wait = assert_waits(attempt(client, "AGENT01", "demo"))  # usernames count case-insensitively
        waits.append(wait)
        clock.now += wait
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]
    # After the longest wait the right password is checked as usual and gets in: never a lock.
    assert attempt(client, "agent01", "demo").status_code == 201
    # ...and the success cleared the user's count: the free budget is back.
    assert attempt(client, "agent01", "wrong").status_code == 401
    assert attempt(client, "agent01", "demo").status_code == 201


def test_agents_behind_one_address_do_not_slow_each_other(client: TestClient) -> None:
    for _ in range(6):
        attempt(client, "agent01", "wrong")
    assert_waits(attempt(client, "agent01", "demo"))
    # Same NAT address, other agents: they log in at once.
    for name in ("agent02", "agent03", "agent04"):
        assert attempt(client, name, "demo").status_code == 201
    # The slowed user is slowed from everywhere (a guesser cannot move to another address).
    assert_waits(attempt(client, "agent01", "demo", address="10.9.8.7"))


def test_one_address_spraying_many_users_is_slowed(client: TestClient, clock: FakeClock) -> None:
    budget = 3 * 10  # ADDRESS_BUDGET_FACTOR times the per-user budget
    for n in range(budget):
        assert attempt(client, f"user{n:03d}", "guess", address="10.0.0.66").status_code == 401
    assert attempt(client, "user999", "guess", address="10.0.0.66").status_code == 401
    assert assert_waits(attempt(client, "agent05", "demo", address="10.0.0.66")) == 1
    # Other addresses are not slowed by it, and the address waits at most 30 s.
    assert attempt(client, "agent05", "demo", address="10.0.0.7").status_code == 201
    for _ in range(10):
        attempt(client, "user999", "guess", address="10.0.0.66")
        clock.now += MAX_DELAY_S
    assert attempt(client, "agent05", "demo", address="10.0.0.66").status_code == 201


def test_back_offs_are_audited(client: TestClient) -> None:
    for _ in range(4):
        attempt(client, "agent07", "wrong", address="10.1.2.3")
    sup = login(client, "sup01")
    trail = client.get("/v1/audit", params={"limit": 200}, headers=sup).json()["items"]
    backoffs = [e for e in trail if e["action"] == "login_backoff"]
    assert len(backoffs) == 1, backoffs
    entry = backoffs[0]
    assert entry["actor"] == "agent07"
    assert entry["detail"] == {"by": "user", "address": "10.1.2.3", "failures": 4, "delay_s": 1.0}


def test_unknown_users_back_off_too(client: TestClient) -> None:
    for _ in range(4):
        assert attempt(client, "nobody", "x").status_code == 401
    assert_waits(attempt(client, "nobody", "x"))


def test_a_quiet_window_forgets_failures(clock: FakeClock) -> None:
    limiter = LoginLimiter(1, 60, clock=clock)
    limiter.failed("a", "1.2.3.4")
    limiter.failed("a", "1.2.3.4")
    assert limiter.retry_after("a", "1.2.3.4") == 1
    clock.now += 60
    assert limiter.retry_after("a", "1.2.3.4") is None
    assert limiter.failed("a", "1.2.3.4") == []  # counted afresh: within the free budget
    assert limiter.tracked() == 2


def test_memory_is_bounded(clock: FakeClock) -> None:
    limiter = LoginLimiter(1, 60, max_keys=100, clock=clock)
    for n in range(1000):
        limiter.failed(f"user{n}", f"10.0.{n // 250}.{n % 250}")
        limiter.failed("target", "1.2.3.4")  # recently failed: kept
    assert limiter.tracked() == 200
    assert limiter.retry_after("target", "1.2.3.4") is not None
    clock.now += 61
    assert limiter.retry_after("target", "1.2.3.4") is None


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="positive"):
        LoginLimiter(0, 60)
