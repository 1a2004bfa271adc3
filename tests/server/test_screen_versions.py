"""Call screen versions on SQLite and PostgreSQL: an edited screen file (new version, new title) reaches
a running deployment at the next start and on a supervisor's reload, old versions stay for the tickets
filed with them, and a desk opening a form gets the newest version from the real server."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from agent_tui.domain.screen import ScreenDefinition, ScreensReloaded
from agent_tui.domain.ticket import Ticket
from agent_tui.forms.runner import FormRun
from agent_tui.sync.client import BackendClient
from agent_tui.sync.screens import BackendScreens
from tests.forms.screens import good_answer
from tests.server.conftest import SCREENS, login, make_client
from tests.server.process import ServerProcess

pytestmark = pytest.mark.timeout(240)

OLD_TITLE = 'title = { en = "Fault report", zh = "故障报修" }'
NEW_TITLE = 'title = { en = "Fault report (2027 rules)", zh = "故障报修（新规）" }'


def _screens_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "screens"
    shutil.copytree(SCREENS, folder)
    return folder


def _edit_repair(folder: Path, *, version: int, title: str = NEW_TITLE) -> None:
    path = folder / "repair.toml"
    text = path.read_text(encoding="utf-8")
    assert OLD_TITLE in text
    assert "\nversion = 1\n" in text
    path.write_text(text.replace(OLD_TITLE, title).replace("\nversion = 1\n", f"\nversion = {version}\n"),
                    encoding="utf-8")


def _fill(run: FormRun) -> FormRun:
    """Answer every required field validly until the screen ends."""
    for _ in range(50):
        if run.complete:
            return run
        for field in run.step.fields:
            if field.required and run.value(field.id) is None:
                assert run.set(field.id, good_answer(field)) is None, field.id
        run.next()
    raise AssertionError(f"the screen did not finish: {run.visited}")


def _screen(client: TestClient, headers: dict[str, str], **params: object) -> ScreenDefinition:
    response = client.get("/v1/screens/repair", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return ScreenDefinition.model_validate(response.json())


def _file(client: TestClient, headers: dict[str, str], **extra: object) -> Ticket:
    response = client.post("/v1/tickets", headers=headers, json={
        "ticket_type": "repair", "customer_id": 1, "screen_id": "repair", **extra})
    assert response.status_code == 201, response.text
    return Ticket.model_validate(response.json())


def test_a_new_version_loads_at_the_next_start_and_the_old_one_is_kept(db_url: str, tmp_path: Path) -> None:
    folder = _screens_copy(tmp_path)
    with make_client(db_url, screens_dir=folder) as client:
        headers = login(client, "agent01")
        assert _screen(client, headers).version == 1
        old_ticket = _file(client, headers)
        assert old_ticket.screen_version == 1
    _edit_repair(folder, version=2)
    with make_client(db_url, screens_dir=folder) as client:
        headers = login(client, "agent01")
        newest = _screen(client, headers)
        assert newest.version == 2
        assert newest.title == {"en": "Fault report (2027 rules)", "zh": "故障报修（新规）"}
        listed = client.get("/v1/screens", headers=headers).json()["items"]
        assert {s["id"]: s["version"] for s in listed}["repair"] == 2
        # The ticket filed before keeps its version, and that version is still served.
        kept = Ticket.model_validate(client.get(f"/v1/tickets/{old_ticket.id}", headers=headers).json())
        assert kept.screen_version == 1
        old = _screen(client, headers, version=1)
        assert old.version == 1
        assert old.title == {"en": "Fault report", "zh": "故障报修"}
        assert _file(client, headers).screen_version == 2
        # A desk that opened the form before the change files with the version it showed.
        assert _file(client, headers, screen_version=1).screen_version == 1
        # A desk that filed offline from its own newer copy is believed, not refused (the order counts).
        assert _file(client, headers, screen_version=9).screen_version == 9
        assert client.get("/v1/screens/repair", headers=headers, params={"version": 9}).status_code == 404


def test_a_supervisor_reloads_the_screens_of_a_running_server(db_url: str, tmp_path: Path) -> None:
    folder = _screens_copy(tmp_path)
    with make_client(db_url, screens_dir=folder) as client:
        agent, supervisor = login(client, "agent01"), login(client, "sup01")
        assert _screen(client, agent).version == 1
        _edit_repair(folder, version=2)
        refused = client.post("/v1/screens/reload", headers=agent)
        assert refused.status_code == 403
        assert _screen(client, agent).version == 1
        response = client.post("/v1/screens/reload", headers=supervisor)
        assert response.status_code == 200, response.text
        report = ScreensReloaded.model_validate(response.json())
        assert [(s.id, s.version) for s in report.added] == [("repair", 2)]
        assert {s.id: s.version for s in report.current}["repair"] == 2
        assert report.problems == []
        assert _screen(client, agent).title == {"en": "Fault report (2027 rules)", "zh": "故障报修（新规）"}
        # Nothing new: nothing added. An edit that keeps the version number is refused, the stored one kept.
        again = ScreensReloaded.model_validate(client.post("/v1/screens/reload", headers=supervisor).json())
        assert again.added == []
        path = folder / "repair.toml"
        edited = path.read_text(encoding="utf-8").replace("2027 rules", "2028 rules")
        path.write_text(edited, encoding="utf-8")
        sneaky = ScreensReloaded.model_validate(client.post("/v1/screens/reload", headers=supervisor).json())
        assert sneaky.added == []
        assert len(sneaky.problems) == 1
        assert "'repair' version 2 was changed without a new version number" in sneaky.problems[0]
        assert _screen(client, agent).title == {"en": "Fault report (2027 rules)", "zh": "故障报修（新规）"}


async def test_the_desk_gets_the_newest_version_the_next_time_a_form_opens(tmp_path: Path) -> None:
    folder = _screens_copy(tmp_path)
    server = ServerProcess(f"sqlite:///{tmp_path / 'server.db'}", tmp_path, settings={"screens_dir": folder})
    try:
        server.start()
        supervisor, agent = server.login("sup01"), server.login("agent01")
        async with (BackendClient(server.base) as client,
                    httpx.AsyncClient(base_url=server.base, timeout=10) as http):
            await client.login("agent01", SecretStr("demo"))
            source = BackendScreens(client)
            before = {s.id: s for s in (await source.load())[0]}
            assert before["repair"].version == 1
            _edit_repair(folder, version=2)
            reloaded = await http.post("/v1/screens/reload", headers=supervisor)
            assert reloaded.status_code == 200, reloaded.text
            after = {s.id: s for s in (await source.load())[0]}
            assert after["repair"].version == 2
            assert after["repair"].title == {"en": "Fault report (2027 rules)", "zh": "故障报修（新规）"}
            # The order filed from the form says which version it was filed with.
            body = _fill(FormRun(after["repair"], customer_id=1)).to_ticket()
            assert body.screen_version == 2
            filed = await http.post("/v1/tickets", headers=agent, json=body.model_dump(mode="json"))
            assert filed.status_code == 201, filed.text
            assert filed.json()["screen_version"] == 2
    finally:
        server.stop()
