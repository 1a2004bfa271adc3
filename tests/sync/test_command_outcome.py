"""`await_outcome` asks until the backend knows what became of a command, and gives up clearly."""

from __future__ import annotations

import pytest

from agent_tui.domain.supervision import CommandState, CommandStatus, ack_deadline_s
from agent_tui.sync.errors import BackendUnavailable
from agent_tui.sync.supervision import OUTCOME_GRACE_S, OutcomeUnknown, await_outcome


class Backend:
    """Answers each ask from a script: a status, or an error to raise."""

    def __init__(self, script: list[CommandStatus | Exception]) -> None:
        self.script = script
        self.asked = 0

    async def command_state(self, command_id: int) -> CommandState:
        step = self.script[min(self.asked, len(self.script) - 1)]
        self.asked += 1
        if isinstance(step, Exception):
            raise step
        return CommandState(command_id=command_id, agent="agent01", command="force_ready", status=step)


class Clock:
    """Time that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_waits_through_sent_and_a_dead_link_until_the_outcome() -> None:
    backend = Backend([CommandStatus.SENT, BackendUnavailable("down"), CommandStatus.SENT,
                       CommandStatus.FAILED])
    clock = Clock()
    state = await await_outcome(backend, 9, "force_ready", sleep=clock.sleep, clock=clock)
    assert state.status == CommandStatus.FAILED
    assert backend.asked == 4
    assert clock.now == pytest.approx(1.5)


async def test_not_delivered_is_an_outcome_and_silence_past_the_limit_is_unknown() -> None:
    clock = Clock()
    lost = await await_outcome(Backend([CommandStatus.NOT_DELIVERED]), 9, "force_ready", sleep=clock.sleep,
                               clock=clock)
    assert lost.status == CommandStatus.NOT_DELIVERED
    with pytest.raises(OutcomeUnknown, match="down"):
        await await_outcome(Backend([BackendUnavailable("down")]), 9, "force_ready", sleep=clock.sleep,
                            clock=clock)
    assert clock.now >= ack_deadline_s("force_ready") + OUTCOME_GRACE_S
