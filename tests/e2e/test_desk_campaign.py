"""Issue 14's campaign on real desks: 50 demo customers, two desks in progressive mode, every outcome once.

A supervisor makes and starts a campaign of 50 demo customers for agent11 and agent12 through the
monitor's own client. Each customer's number is registered at Kamailio with one SIPp callee behind it,
which answers every call, listens a moment and hangs up. Two headless desks (the product's desk: model,
dialer, phone; `tests.e2e.campaign_desk`) log in, go Ready and dial one contact after another; the agent
sees the campaign's script come up as each call is placed, and picks the outcome on the panel that
replaces it when the call ends (Enter, by Textual's pilot). The campaign reaches done,
the database holds exactly one call per contact with its outcome, both desks worked it, and SIPp saw
each number dialled exactly once.

Real parts: the reference backend (subprocess, demo seed, tmp SQLite), Kamailio, SIPp, two desk processes.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent_tui.domain.campaigns import CampaignCreate, CustomerFilter
from agent_tui.sync.campaign_admin import CampaignAdminClient
from agent_tui.sync.client import BackendClient
from tests.e2e.backend import DEMO_PASSWORD, RealBackend
from tests.e2e.sip_register import register_all
from tests.support.sip_peers import Kamailio, Sipp, group_members, stop_group
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

DESKS = (("agent11", "1011"), ("agent12", "1012"))
CUSTOMERS = 50
RUN_DEADLINE_S = 75.0
"""From both desks started to the campaign done (50 calls, two at a time)."""
NO_CALLBACKS = "q-campaign-e2e-none"
"""The desks' callback queue: empty, so the campaign is their only outbound work."""


async def _make_and_start(base: str, agents: list[str]) -> int:
    client = BackendClient(base)
    try:
        await client.login("sup01", SecretStr(DEMO_PASSWORD))
        admin = CampaignAdminClient(client)
        body = CampaignCreate(name="desks e2e 50", screen="outage_notice", agents=agents,
                              hours=["00:00-24:00"], retry_after_min=0, max_retries=0,
                              customer_filter=CustomerFilter(limit=CUSTOMERS))
        made = await admin.create(body)
        started = await admin.move(made.id, "start")
        assert (made.total, started.state.value) == (CUSTOMERS, "running")
        return made.id
    finally:
        await client.aclose()


def _rows(backend: RealBackend, sql: str, *args: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(backend.db_path)) as db:
        return list(db.execute(sql, args).fetchall())


def invites(received: str) -> set[tuple[str, str]]:
    """(number, Call-ID) of every INVITE SIPp received (a UDP retransmission is the same call)."""
    calls: set[tuple[str, str]] = set()
    number = ""
    for line in received.splitlines():
        if line.startswith("INVITE "):
            number = line.split()[1].removeprefix("sip:").split("@")[0]
        elif number and line.lower().startswith("call-id:"):
            calls.add((number, line.split(":", 1)[1].strip()))
            number = ""
    return calls


@pytest.fixture
def desks(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Desk processes started by the test; each is stopped by its pid (group) and none may be left."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        stop_group(proc, proc.pid, grace=10.0)
    assert not [pid for proc in started for pid in group_members(proc.pid)], "desk processes left running"


def _start_desk(tmp_path: Path, backend: RealBackend, kamailio: Kamailio, user: str,
                extension: str) -> subprocess.Popen[bytes]:
    home = tmp_path / user
    env = dict(os.environ, AGENT_TUI_SIP_PASSWORD=kamailio.password(extension),
               XDG_CONFIG_HOME=str(home / "config"), XDG_STATE_HOME=str(home / "state"),
               XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"))
    argv = [sys.executable, "-m", "tests.e2e.campaign_desk", "--backend", backend.url, "--user", user,
            "--extension", extension, "--registrar", kamailio.uri(), "--domain", kamailio.domain,
            "--queue", NO_CALLBACKS, "--log", str(home / "desk.log")]
    home.mkdir()
    with (home / "stdout.log").open("wb") as out:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)


def test_fifty_customers_run_to_done_across_two_desks_with_every_outcome_once(
    backend: RealBackend, kamailio: Kamailio, sipp: Sipp, desks: list[subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    campaign = asyncio.run(_make_and_start(backend.url, [user for user, _ext in DESKS]))
    phones = [str(row[0]) for row in _rows(
        backend, "SELECT phone FROM campaign_contacts WHERE campaign_id = ?", campaign)]
    assert len(set(phones)) == CUSTOMERS

    customers = sipp.uas("uas_answer_then_bye.xml", calls=CUSTOMERS, limit=len(DESKS) + 1,
                         global_timeout_s=RUN_DEADLINE_S + 60)
    register_all(phones, (kamailio.host, kamailio.port), customers.port, kamailio.password)

    for user, extension in DESKS:
        desks.append(_start_desk(tmp_path, backend, kamailio, user, extension))
    began = time.monotonic()
    sup = backend.client("sup01")

    def done() -> bool:
        for proc in desks:
            assert proc.poll() is None, f"a desk exited with {proc.returncode}"
        return bool(sup.get(f"/v1/campaigns/{campaign}")["state"] == "done")

    with closing(sup):
        wait_for(done, RUN_DEADLINE_S, interval=0.5, message="the campaign done")
        took = time.monotonic() - began
        progress = sup.get(f"/v1/campaigns/{campaign}")
    assert (progress["done"], progress["pending"], progress["claimed"]) == (CUSTOMERS, 0, 0)
    assert progress["by_outcome"] == {"informed": CUSTOMERS}
    calls = _rows(backend, "SELECT contact_id, attempt, outcome, agent, call_id FROM campaign_calls "
                           "WHERE campaign_id = ?", campaign)
    assert Counter(contact for contact, *_ in calls) == Counter(
        {contact: 1 for (contact,) in _rows(backend, "SELECT id FROM campaign_contacts WHERE campaign_id = ?",
                                            campaign)})
    assert {(attempt, outcome) for _c, attempt, outcome, _a, _id in calls} == {(1, "informed")}
    assert {agent for _c, _n, _o, agent, _id in calls} == {user for user, _ext in DESKS}
    assert len({call_id for *_, call_id in calls if call_id}) == CUSTOMERS  # each outcome names its call

    result = customers.wait(30)
    assert result.ok, result.explain()
    assert Counter(number for number, _call in invites(result.received_text())) == Counter(phones), \
        "a customer was dialled twice, or not at all"
    scripts = {user: (tmp_path / user / "desk.log").read_text(encoding="utf-8").count(
        "campaign script outage_notice opened for call") for user, _ext in DESKS}
    # the script came up on each desk (not on a call whose customer hung up while it loaded); seen with -s
    assert all(0 < count <= CUSTOMERS for count in scripts.values()), scripts
    print(f"50 campaign calls on two desks: {took:.1f} s, scripts opened {scripts}")
