"""End to end through Kamailio: a scripted trainee on the real desk, the real backend, the real phone engine.

The trainee desk registers with Kamailio (digest auth), practises a scenario from the desk (ctrl+t): the
desk starts the simulated caller process, which dials the trainee's address of record through Kamailio
with the scenario's IVR and training headers. The scripted trainee (keys through Pilot) answers, fills
the order, reads back and submits; the caller's lines arrive as captions, cued by the steps reached; at
the end the score card is shown and stored in the backend. A trainee who skips the read-back scores
lower and the card names the miss.
"""

from __future__ import annotations

from typing import Any

import pytest

from agent_tui.domain.training import ScoreCard
from agent_tui.ui.desk.training_panel import TrainingPanel
from tests.e2e.backend import RealBackend
from tests.support.sip_peers import Kamailio
from tests.support.waiting import wait_for
from tests.training_e2e.kamailio_desk import api_get, trainee_desk, use_sip_password

SCENARIO = "repair_wire_down_en"


async def practise(backend: RealBackend, kamailio: Kamailio, username: str, *,
                   skip_readback: bool) -> ScoreCard:
    """One self-practice call of SCENARIO on a real desk; answers the card the desk showed."""
    async with trainee_desk(backend, kamailio, username) as trainee:
        desk = trainee.app.desk
        assert trainee.training.sip_uri == f"sip:{username}@{kamailio.address}"
        scenario = await trainee.pick(SCENARIO)
        await trainee.play(scenario, skip_readback=skip_readback)
        # The opening line came as a caption, cued by the answer.
        current = desk.training.current
        assert current is not None
        assert scenario.lines[0].text[:30] in " ".join(current.captions)
        panel = desk.query_one(TrainingPanel)
        assert panel.shown
        card = await trainee.score_card()
        await trainee.caller_ended()
        return card


def stored_attempts(backend: RealBackend, username: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api_get(backend, username, "/v1/training/attempts")["items"]
    return items


@pytest.fixture(autouse=True)
def _sip_password(monkeypatch: pytest.MonkeyPatch) -> None:
    use_sip_password(monkeypatch, "agent05")


async def test_scripted_trainee_scores_100(real_backend: RealBackend, kamailio: Kamailio) -> None:
    card = await practise(real_backend, kamailio, "agent05", skip_readback=False)
    assert card.total == 100, [line.model_dump() for line in card.missed]
    assert card.passed
    stored = wait_for(lambda: stored_attempts(real_backend, "agent05"), 20, interval=0.2,
                      message="the attempt in the backend")[0]
    assert stored["card"]["total"] == 100
    assert stored["scenario_id"] == SCENARIO
    assert stored["launched_by"] is None
    assert stored["transcript"], "the caller's lines were kept as the transcript"


async def test_skipping_the_readback_scores_lower_and_says_so(real_backend: RealBackend,
                                                               kamailio: Kamailio) -> None:
    card = await practise(real_backend, kamailio, "agent05", skip_readback=True)
    assert card.total < 100
    assert not card.passed
    missed = {line.key: line for line in card.missed}
    assert list(missed) == ["step:readback"]
    assert "read-back" in missed["step:readback"].text
