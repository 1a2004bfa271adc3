"""Start-up login while the backend is down (QA, issue 11): it keeps trying until the backend answers,
and a refusal ends it at once."""

from __future__ import annotations

import asyncio

import pytest

from agent_tui.domain.base import Problem
from agent_tui.sync.errors import AuthenticationRequired, BackendUnavailable
from agent_tui.sync.login_retry import log_in_until_reachable
from agent_tui.sync.retry import Backoff


class Backend:
    """Answers the n-th login with the n-th outcome (an error to raise, or the session)."""

    def __init__(self, *outcomes: BaseException | str) -> None:
        self.outcomes = list(outcomes)
        self.tries = 0

    async def login(self) -> str:
        outcome = self.outcomes[self.tries]
        self.tries += 1
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def test_an_unreachable_backend_is_tried_again_until_it_answers() -> None:
    backend = Backend(BackendUnavailable("refused"), ConnectionError("reset"), TimeoutError(), "session")
    told: list[int] = []
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    result = asyncio.run(log_in_until_reachable(
        backend.login, on_unreachable=lambda _error, failures: told.append(failures),
        backoff=Backoff(base=1.0, cap=10.0, jitter=False), sleep=sleep))
    assert result == "session"
    assert backend.tries == 4
    assert told == [1, 2, 3]
    assert waited == [1.0, 2.0, 4.0]


def test_the_delay_never_grows_past_ten_seconds() -> None:
    backend = Backend(*[BackendUnavailable("down")] * 12, "session")
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    assert asyncio.run(log_in_until_reachable(backend.login, on_unreachable=lambda *_: None,
                                              sleep=sleep)) == "session"
    assert len(waited) == 12
    assert all(0 < delay <= 10.0 for delay in waited)


def test_a_refused_password_is_not_tried_again() -> None:
    refused = AuthenticationRequired(401, Problem(title="Unauthorized", status=401))
    backend = Backend(BackendUnavailable("down"), refused, "never")

    async def sleep(_seconds: float) -> None:
        return None

    with pytest.raises(AuthenticationRequired):
        asyncio.run(log_in_until_reachable(backend.login, on_unreachable=lambda *_: None, sleep=sleep))
    assert backend.tries == 2
