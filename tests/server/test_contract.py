"""The REST contract, in-process on SQLite with the demo data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from agent_tui.domain.agent import Agent, QueueStats
from agent_tui.domain.base import Page
from agent_tui.domain.customer import ContactRecord, Customer, LookupResult
from agent_tui.domain.notice import KbArticle
from agent_tui.domain.screen import ScreenDefinition, ScreenSummary
from agent_tui.domain.session import User
from agent_tui.domain.ticket import Ticket
from agent_tui.server.seed.people import DEMO_PHONE
from tests.server.conftest import login


def test_login_whoami_logout(client: TestClient) -> None:
    response = client.post("/v1/sessions", json={"username": "sup01", "password": "demo"})
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "supervisor"
    assert body["username"] == "sup01"
    assert len(body["token"]) >= 40
    assert "*" not in body["token"]
    assert datetime.fromisoformat(body["expires_at"]) > datetime.now(UTC) + timedelta(hours=1)
    headers = {"Authorization": f"Bearer {body['token']}"}
    me = User.model_validate(client.get("/v1/sessions/current", headers=headers).json())
    assert me.role == "supervisor"
    assert me.extension == "1801"
    assert client.delete("/v1/sessions/current", headers=headers).status_code == 204
    assert client.get("/v1/sessions/current", headers=headers).status_code == 401


def test_bad_password_and_unknown_user_are_401(client: TestClient) -> None:
    for username, password in (("agent01", "nope"), ("ghost", "demo")):
        response = client.post("/v1/sessions", json={"username": username, "password": password})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "invalid username or password"


def test_lookup_by_phone_in_any_format_and_by_account(client: TestClient) -> None:
    headers = login(client, "agent01")
    for phone in (DEMO_PHONE, "+86 138-0013-8000", "008613800138000"):
        result = LookupResult.model_validate(
            client.get("/v1/customers/lookup", params={"phone": phone}, headers=headers).json()
        )
        assert [m.customer.phones[0] for m in result.matches] == [DEMO_PHONE], phone
    match = result.matches[0]
    assert match.last_case is not None
    assert match.history[0] == match.last_case
    assert all(a.at >= b.at for a, b in zip(match.history, match.history[1:], strict=False))
    assert match.notices
    assert all(n.area == match.customer.area for n in match.notices)
    assert match.open_tickets
    assert all(t.status not in ("closed", "cancelled") for t in match.open_tickets)
    by_account = client.get(
        "/v1/customers/lookup", params={"account": match.customer.account}, headers=headers
    )
    assert LookupResult.model_validate(by_account.json()).matches[0].customer.id == match.customer.id
    unknown = client.get("/v1/customers/lookup", params={"phone": "19999999999"}, headers=headers)
    assert unknown.json() == {"matches": []}


def test_lookup_needs_exactly_one_key(client: TestClient) -> None:
    headers = login(client, "agent01")
    response = client.get("/v1/customers/lookup", headers=headers)
    assert response.status_code == 422
    assert "query.phone" in response.json()["detail"]
    bad = client.get("/v1/customers/lookup", params={"account": "12ab"}, headers=headers)
    assert bad.status_code == 422
    assert "query.account" in bad.json()["detail"]


def test_customer_create_patch_and_lookup_follow_phones(client: TestClient) -> None:
    headers = login(client, "agent02")
    new = {"account": "9900000001", "name": "Test 客户", "phones": ["021-5555 0001"], "area": "城西区"}
    created = client.post("/v1/customers", json=new, headers=headers)
    assert created.status_code == 201, created.text
    customer = Customer.model_validate(created.json())
    again = client.post("/v1/customers", json=new, headers=headers)
    assert again.status_code == 409
    assert "body.account" in again.json()["detail"]
    patched = client.patch(
        f"/v1/customers/{customer.id}", json={"phones": ["13912345678"], "tier": "gold"}, headers=headers
    )
    assert patched.status_code == 200
    assert patched.json()["tier"] == "gold"

    def found(phone: str) -> list[int]:
        body = client.get("/v1/customers/lookup", params={"phone": phone}, headers=headers).json()
        return [m["customer"]["id"] for m in body["matches"]]

    assert found("13912345678") == [customer.id]
    assert found("02155550001") == []
    assert (
        client.patch(f"/v1/customers/{customer.id}", json={"name": None}, headers=headers).status_code == 422
    )
    assert client.get("/v1/customers/999999", headers=headers).status_code == 404


def test_customer_list_filters_and_pages(client: TestClient) -> None:
    headers = login(client, "agent01")
    first = Page[Customer].model_validate(
        client.get("/v1/customers", params={"limit": 50}, headers=headers).json()
    )
    assert first.total >= 200
    assert len(first.items) == 50
    second = Page[Customer].model_validate(
        client.get("/v1/customers", params={"limit": 50, "offset": 50}, headers=headers).json()
    )
    assert {c.id for c in first.items}.isdisjoint({c.id for c in second.items})
    area = Page[Customer].model_validate(
        client.get("/v1/customers", params={"area": "城东区", "limit": 1000}, headers=headers).json()
    )
    assert area.total == len(area.items) > 0
    assert all(c.area == "城东区" for c in area.items)
    assert client.get("/v1/customers", params={"limit": 0}, headers=headers).status_code == 422


def test_history_is_paged_newest_first(client: TestClient) -> None:
    headers = login(client, "agent01")
    page = Page[ContactRecord].model_validate(client.get("/v1/customers/1/history", headers=headers).json())
    assert page.total >= 1
    assert [c.at for c in page.items] == sorted((c.at for c in page.items), reverse=True)


def test_ticket_list_filters_and_pagination(client: TestClient) -> None:
    headers = login(client, "agent01")
    every = Page[Ticket].model_validate(
        client.get("/v1/tickets", params={"limit": 1000}, headers=headers).json()
    )
    statuses = {t.status for t in every.items}
    assert {
        "created",
        "issued",
        "on_site",
        "assigned",
        "informed",
        "visited",
        "closed",
        "recalled",
        "cancelled",
    } <= statuses
    closed = Page[Ticket].model_validate(
        client.get(
            "/v1/tickets", params=[("status", "closed"), ("status", "cancelled")], headers=headers
        ).json()
    )
    assert closed.total == sum(t.status in ("closed", "cancelled") for t in every.items)
    one = client.get("/v1/tickets", params={"customer": 1, "type": "repair"}, headers=headers).json()
    assert one["items"]
    assert all(t["customer_id"] == 1 and t["ticket_type"] == "repair" for t in one["items"])
    paged = client.get("/v1/tickets", params={"limit": 3, "offset": 3}, headers=headers).json()
    assert [t["id"] for t in paged["items"]] == [t.id for t in every.items[3:6]]
    assert client.get("/v1/tickets", params={"status": "nonsense"}, headers=headers).status_code == 422


def test_agent_state_own_and_supervisor(client: TestClient) -> None:
    agent = login(client, "agent03")
    sup = login(client, "sup01")
    mine = client.put(
        "/v1/agents/agent03/state", json={"state": "not_ready", "reason": "meal"}, headers=agent
    )
    assert mine.status_code == 200
    assert Agent.model_validate(mine.json()).state.reason == "meal"
    other = client.put("/v1/agents/agent04/state", json={"state": "ready"}, headers=agent)
    assert other.status_code == 403
    bad_reason = client.put(
        "/v1/agents/agent03/state", json={"state": "not_ready", "reason": "nap"}, headers=agent
    )
    assert bad_reason.status_code == 422
    assert "body.reason" in bad_reason.json()["detail"]
    forced = client.put("/v1/agents/agent04/state", json={"state": "ready"}, headers=sup)
    assert forced.status_code == 200
    listed = Page[Agent].model_validate(
        client.get("/v1/agents", params={"role": "agent", "limit": 100}, headers=agent).json()
    )
    states = {a.username: a.state.state for a in listed.items}
    assert listed.total == 20
    assert states["agent03"] == "not_ready"
    assert states["agent04"] == "ready"
    assert states["agent05"] == "logged_out"
    assert client.put("/v1/agents/nobody/state", json={"state": "ready"}, headers=sup).status_code == 404


def test_call_upsert_writes_history_and_queue_figures(client: TestClient) -> None:
    headers = login(client, "agent05")
    now = datetime.now(UTC)
    call = {
        "call_id": "c-1",
        "number": DEMO_PHONE,
        "customer_id": 1,
        "queue": "test-queue",
        "offered_at": (now - timedelta(minutes=5)).isoformat(),
        "answered_at": (now - timedelta(minutes=5) + timedelta(seconds=10)).isoformat(),
    }
    assert client.post("/v1/calls", json=call, headers=headers).status_code == 200
    done = {
        **call,
        "ended_at": now.isoformat(),
        "talk_s": 280,
        "acw_s": 20,
        "notes": "报修已受理",
        "disposition": "ticket",
    }
    stored = client.post("/v1/calls", json=done, headers=headers).json()
    assert stored["agent"] == "agent05"
    history = client.get("/v1/customers/1/history", params={"limit": 100}, headers=headers).json()
    mine = [c for c in history["items"] if c["call_id"] == "c-1"]
    assert len(mine) == 1
    assert mine[0]["summary"] == "报修已受理"
    assert mine[0]["outcome"] == "ticket"
    assert client.get("/v1/customers/1", headers=headers).json()["last_agent"] == "agent05"
    queues = Page[QueueStats].model_validate(client.get("/v1/queues", headers=headers).json())
    test_queue = next(q for q in queues.items if q.queue == "test-queue")
    # AHT: talk is answered → ended (290 s, by the contract's rule, whatever talk_s says) + 20 s ACW.
    assert (test_queue.offered, test_queue.answered, test_queue.asa_s, test_queue.aht_s) == (
        1,
        1,
        10.0,
        310.0,
    )
    assert test_queue.service_level == 1.0
    assert client.get("/v1/calls/c-1", headers=headers).json()["talk_s"] == 280
    unknown = client.post("/v1/calls", json={"call_id": "c-2", "customer_id": 999999}, headers=headers)
    assert unknown.status_code == 422
    assert "body.customer_id" in unknown.json()["detail"]


def test_kb_search_chinese_and_english(client: TestClient) -> None:
    headers = login(client, "agent01")
    zh = Page[KbArticle].model_validate(
        client.get("/v1/kb", params={"q": "停电报修"}, headers=headers).json()
    )
    assert zh.total >= 1
    assert zh.items[0].language == "zh"
    assert "报修" in zh.items[0].title
    en = Page[KbArticle].model_validate(
        client.get("/v1/kb", params={"q": "capacity increase", "language": "en"}, headers=headers).json()
    )
    assert en.items
    assert all(a.language == "en" for a in en.items)
    assert "apacity" in en.items[0].title
    none = client.get("/v1/kb", params={"q": "zzzqqq"}, headers=headers).json()
    assert none["total"] == 0
    assert client.get("/v1/kb", params={"q": "!!"}, headers=headers).status_code == 422


def test_screens_reasons_notices_health_openapi(client: TestClient) -> None:
    headers = login(client, "agent01")
    screens = Page[ScreenSummary].model_validate(client.get("/v1/screens", headers=headers).json())
    if screens.total:  # the screens folder and its loader belong to the forms package
        first = client.get(f"/v1/screens/{screens.items[0].id}", headers=headers)
        assert ScreenDefinition.model_validate(first.json()).id == screens.items[0].id
    assert client.get("/v1/screens/no_such", headers=headers).status_code == 404
    reasons = client.get("/v1/reasons", headers=headers).json()
    assert "meal" in reasons["items"]
    assert reasons["total"] == len(reasons["items"])
    notices = client.get("/v1/notices", params={"area": "城东区"}, headers=headers).json()
    assert notices["total"] >= 1
    assert all(n["area"] == "城东区" for n in notices["items"])
    assert client.get("/v1/health").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert {"/v1/sessions", "/v1/customers/lookup", "/v1/tickets", "/v1/events", "/v1/kb"} <= set(
        spec["paths"]
    )
