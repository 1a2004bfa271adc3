"""The desk directory: a desk announces where it answers; colleagues find it by extension (SQLite and
PostgreSQL); withdrawing removes it; the address is checked."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.server.conftest import login


def test_a_desk_announces_and_withdraws_its_address(any_client: TestClient) -> None:
    agent02, agent01 = login(any_client, "agent02"), login(any_client, "agent01")
    assert any_client.get("/v1/directory", headers=agent01).json() == []
    put = any_client.put("/v1/directory/me", json={"sip_uri": "sip:agent02@127.0.0.1:5071"},
                         headers=agent02)
    assert put.status_code == 204, put.text
    again = any_client.put("/v1/directory/me", json={"sip_uri": "sip:agent02@127.0.0.1:5072"},
                           headers=agent02)
    assert again.status_code == 204
    entries = any_client.get("/v1/directory", headers=agent01).json()
    assert [(e["username"], e["extension"], e["sip_uri"]) for e in entries] == [
        ("agent02", "1002", "sip:agent02@127.0.0.1:5072")]
    assert any_client.delete("/v1/directory/me", headers=agent02).status_code == 204
    assert any_client.get("/v1/directory", headers=agent01).json() == []


def test_an_address_must_be_a_sip_uri(client: TestClient) -> None:
    agent02 = login(client, "agent02")
    bad = client.put("/v1/directory/me", json={"sip_uri": "1002"}, headers=agent02)
    assert bad.status_code == 422
    field = login(client, "field01")
    refused = client.put("/v1/directory/me", json={"sip_uri": "sip:x@127.0.0.1"}, headers=field)
    assert refused.status_code == 403
