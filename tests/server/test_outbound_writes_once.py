"""The outbound dialer's writes applied once when the desk's outbox sends them again with the same
Idempotency-Key (its first answer was lost): a campaign contact's release, a callback's release,
reschedule and close. The retry gets the first answer and changes nothing, even when another agent took
the item in between (without the key it was a 409, a dead letter on the first agent's desk).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from agent_tui.domain.base import utc_now
from agent_tui.server.campaign_models import CampaignContactRow
from agent_tui.server.db import Database
from agent_tui.server.idempotency import HEADER, REPLAYED
from agent_tui.server.models import CallbackRow
from tests.server import campaign_helpers
from tests.server.conftest import login
from tests.server.test_callback_next import add


def post(client: TestClient, path: str, headers: dict[str, str], body: Any, key: str | None = None
         ) -> tuple[int, Any, bool]:
    extra = {HEADER: key} if key is not None else {}
    response = client.post(path, json=body, headers={**headers, **extra})
    return response.status_code, response.json(), response.headers.get(REPLAYED) == "true"


def test_a_campaign_release_sent_again_after_another_agent_took_the_contact(client: TestClient) -> None:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    a1, a2 = login(client, "agent11"), login(client, "agent12")
    contact_id = campaign_helpers.held_contact(db, "agent11")
    path = f"/v1/campaign-contacts/{contact_id}/release"

    status, first, replayed = post(client, path, a1, {"reason": "inbound call"}, key="rel-1")
    assert (status, first["status"], replayed) == (200, "pending", False)
    with db.write() as session:  # agent12's desk takes it before agent11's retry arrives
        row = session.get(CampaignContactRow, contact_id)
        assert row is not None
        row.status, row.claimed_by, row.claimed_at = "claimed", "agent12", utc_now()

    status, again, replayed = post(client, path, a1, {"reason": "inbound call"}, key="rel-1")
    assert (status, again, replayed) == (200, first, True)
    with db.read() as session:
        row = session.get(CampaignContactRow, contact_id)
        assert row is not None
        assert (row.status, row.claimed_by) == ("claimed", "agent12")
    # Without the key the same request is judged afresh: agent12 holds it now.
    assert post(client, path, a1, {"reason": "inbound call"})[0] == 409
    # The same key with another body is refused, not replayed.
    assert post(client, path, a1, {"reason": "skipped"}, key="rel-1")[0] == 409
    assert post(client, path, a2, {"reason": "x"}, key="rel-2")[1]["status"] == "pending"


def test_callback_release_reschedule_and_close_sent_again(client: TestClient) -> None:
    db: Database = client.app.state.db  # type: ignore[attr-defined]
    a1, a2 = login(client, "agent01"), login(client, "agent02")
    ask = {"queues": ["q-once"]}
    first_id, second_id = add(db, "q-once", minutes_ago=30), add(db, "q-once", minutes_ago=20)
    assert client.post("/v1/callbacks/next", json=ask, headers=a1).json()["id"] == first_id

    status, released, replayed = post(client, f"/v1/callbacks/{first_id}/release", a1,
                                      {"reason": "inbound call"}, key="cb-rel")
    assert (status, released["status"], replayed) == (200, "open", False)
    assert client.post("/v1/callbacks/next", json=ask, headers=a2).json()["id"] == first_id
    status, again, replayed = post(client, f"/v1/callbacks/{first_id}/release", a1,
                                   {"reason": "inbound call"}, key="cb-rel")
    assert (status, again, replayed) == (200, released, True)
    with db.read() as session:
        row = session.get(CallbackRow, first_id)
        assert row is not None
        assert (row.status, row.claimed_by) == ("claimed", "agent02")

    # A reschedule sent again after the callback came due and another agent took it.
    assert client.post("/v1/callbacks/next", json=ask, headers=a1).json()["id"] == second_id
    body = {"due_at": (utc_now() + timedelta(minutes=30)).isoformat(), "note": "not reached"}
    status, moved, _ = post(client, f"/v1/callbacks/{second_id}/reschedule", a1, body, key="cb-later")
    assert (status, moved["status"], moved["note"]) == (200, "open", "not reached")
    with db.write() as session:
        row = session.get(CallbackRow, second_id)
        assert row is not None
        row.status, row.claimed_by, row.claimed_at, row.due_at = "claimed", "agent02", utc_now(), None
    status, again, replayed = post(client, f"/v1/callbacks/{second_id}/reschedule", a1, body, key="cb-later")
    assert (status, again, replayed) == (200, moved, True)
    with db.read() as session:
        row = session.get(CallbackRow, second_id)
        assert row is not None
        assert (row.status, row.claimed_by, row.due_at) == ("claimed", "agent02", None)

    # A close sent again answers the first close.
    status, closed, _ = post(client, f"/v1/callbacks/{second_id}/done", a2, {"reached": True, "note": "ok"},
                             key="cb-done")
    assert (status, closed["status"]) == (200, "done")
    status, again, replayed = post(client, f"/v1/callbacks/{second_id}/done", a2,
                                   {"reached": True, "note": "ok"}, key="cb-done")
    assert (status, again, replayed) == (200, closed, True)
