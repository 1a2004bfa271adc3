"""The survey trusts nothing it is sent: a score is stored only with the survey token the backend signed for
that call, for the desk on that call; a forged, expired or another call's token is refused and audited,
and a call scored once stays scored once."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from agent_tui.server.survey_tokens import make_token, refusal
from tests.server.conftest import login, make_client
from tests.server.test_voice_api import post_call, survey_token

SECRET = "s" * 64


def test_a_token_lets_the_survey_score_its_own_call_only_until_it_expires() -> None:
    now = 1_800_000_000.0
    token = make_token(SECRET, "call-1", now + 60)
    assert len(token) < 80  # SIP headers reach the survey cut at 256 characters
    assert refusal(SECRET, token, "call-1", now) is None
    assert refusal(SECRET, token, "call-2", now) == "not signed for this call"
    assert refusal(SECRET, token, "call-1", now + 60) == "expired"
    assert refusal("t" * 64, token, "call-1", now) == "not signed for this call"
    expires, mac = token.split(".")
    # A caller cannot stretch the expiry: it is signed.
    assert refusal(SECRET, f"{int(expires) + 3600}.{mac}", "call-1", now + 61) == "not signed for this call"
    for garbled in ("", None, "abc", "12.", ".abc", f"x{token}", token + "A" * 200, f"²{token}", "١٢." + mac):
        assert refusal(SECRET, garbled, "call-1", now) is not None, garbled


@pytest.fixture
def api(sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with make_client(sqlite_url, recordings_dir=tmp_path / "rec", wallboard_refresh_s=3600,
                     survey_token_ttl_s=120) as client:
        yield client


@pytest.fixture
def who(api: TestClient) -> Callable[[str], dict[str, str]]:
    """Headers of `username`, one login each (a login hashes its password: slow on a loaded machine)."""
    return functools.cache(lambda username: login(api, username))


def _score(api: TestClient, voice: dict[str, str], call_id: str, score: int, token: str | None) -> int:
    body: dict[str, object] = {"score": score, "method": "rfc2833"}
    if token is not None:
        body["token"] = token
    return int(api.post(f"/v1/calls/{call_id}/satisfaction", json=body, headers=voice).status_code)


def test_forged_expired_and_borrowed_tokens_are_refused_and_audited(
    api: TestClient, who: Callable[[str], dict[str, str]],
) -> None:
    post_call(api, "c-mine", "agent01")
    post_call(api, "c-theirs", "agent02")
    # A desk gets a token for its own call only (by its record here); another agent's call: 403, a call
    # nobody is on nor recorded: 404; both audited.
    answer = api.post("/v1/calls/c-mine/survey-token", headers=who("agent01"))
    assert answer.status_code == 201, answer.text
    mine = answer.json()
    assert mine["call_id"] == "c-mine"
    expires = datetime.fromisoformat(mine["expires_at"])
    assert 100 <= (expires - datetime.now(UTC)).total_seconds() <= 121  # survey_token_ttl_s
    assert api.post("/v1/calls/c-theirs/survey-token", headers=who("agent01")).status_code == 403
    assert api.post("/v1/calls/c-nobodys/survey-token", headers=who("agent01")).status_code == 404

    # The survey service passes on whatever it was sent: only the right token for the right call counts.
    assert _score(api, who("voice01"), "c-theirs", 1, None) == 403  # a forged X-Call-Id and no token
    assert _score(api, who("voice01"), "c-theirs", 1, mine["token"]) == 403  # a token made for another call
    assert _score(api, who("voice01"), "c-theirs", 1, "1999999999.AAAA") == 403  # a token nobody signed
    key = api.app.state.survey_signer._key()  # type: ignore[attr-defined]
    stale = make_token(key, "c-theirs", time.time() - 1)
    assert _score(api, who("voice01"), "c-theirs", 1, stale) == 403  # signed for it once, but expired
    theirs = survey_token(api, "c-theirs", "agent02")
    assert _score(api, who("voice01"), "c-theirs", 5, theirs) == 201
    assert _score(api, who("voice01"), "c-theirs", 1, theirs) == 409  # scored once stays scored once
    assert _score(api, who("voice01"), "c-mine", 2, mine["token"]) == 201

    sup = who("sup01")
    scores = api.get("/v1/audit", params={"action": "survey_score_refused"}, headers=sup).json()
    entries = scores["items"] if isinstance(scores, dict) else scores
    reasons = sorted(e["detail"]["reason"] for e in entries if e["call_id"] == "c-theirs")
    assert reasons == ["expired", "no token", "not signed for this call", "not signed for this call"]
    assert all(e["actor"] == "voice01" for e in entries)
    assert mine["token"] not in str(scores)  # tokens are never written down
    assert stale not in str(scores)
    asked = api.get("/v1/audit", params={"action": "survey_token_refused"}, headers=sup).json()
    asked_entries = asked["items"] if isinstance(asked, dict) else asked
    assert sorted(e["call_id"] for e in asked_entries) == ["c-nobodys", "c-theirs"]
    assert {e["actor"] for e in asked_entries} == {"agent01"}

    today = datetime.now(UTC).date().isoformat()
    report = api.get("/v1/reports", params={"from": today, "to": today, "by": "agent"}, headers=sup).json()
    rows = {row["key"]: row for row in report["rows"]}
    assert (rows["agent02"]["satisfaction_count"], rows["agent02"]["satisfaction_avg"]) == (1, 5.0)
    assert (rows["agent01"]["satisfaction_count"], rows["agent01"]["satisfaction_avg"]) == (1, 2.0)


def test_the_desk_on_the_call_gets_a_token_before_any_record_exists(
    api: TestClient, who: Callable[[str], dict[str, str]],
) -> None:
    agent = who("agent03")
    # Not on it yet: refused. On it (its live state names the call): granted. Off it: refused again.
    assert api.post("/v1/calls/pbx-77/survey-token", headers=agent).status_code == 404
    on_call = {"state": "on_call", "call_id": "pbx-77"}
    assert api.put("/v1/agents/agent03/state", json=on_call, headers=agent).is_success
    granted = api.post("/v1/calls/pbx-77/survey-token", headers=agent)
    assert granted.status_code == 201, granted.text
    assert api.post("/v1/calls/pbx-77/survey-token", headers=who("agent04")).status_code == 403
    assert api.put("/v1/agents/agent03/state", json={"state": "ready"}, headers=agent).is_success
    assert api.post("/v1/calls/pbx-77/survey-token", headers=agent).status_code == 404
    # The token stays good for its call after the agent moved on: the caller scores after the transfer.
    assert _score(api, who("voice01"), "pbx-77", 3, granted.json()["token"]) == 201
