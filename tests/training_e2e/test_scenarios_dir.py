"""A trainer's own scenarios folder: `agent-tui server --scenarios DIR` serves it, not the shipped one."""

from __future__ import annotations

import argparse
from pathlib import Path

from agent_tui.cli import build_parser
from agent_tui.server.cli import settings_from_args
from agent_tui.training.scenario import bundled_scenarios_dir
from tests.server.conftest import login, make_client

SHIPPED = "repair_wire_down_en"


def _own_folder(tmp_path: Path) -> Path:
    """A folder with one shipped scenario under a new id, and a broken file beside it."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    text = (bundled_scenarios_dir() / f"{SHIPPED}.toml").read_text(encoding="utf-8")
    assert f'id = "{SHIPPED}"' in text
    (folder / "our_wire_down.toml").write_text(text.replace(f'id = "{SHIPPED}"', 'id = "our_wire_down"'),
                                               encoding="utf-8")
    (folder / "broken.toml").write_text("id = [unclosed\n", encoding="utf-8")
    return folder


def test_the_server_serves_the_folder_it_was_given(tmp_path: Path) -> None:
    folder = _own_folder(tmp_path)
    with make_client(f"sqlite:///{tmp_path / 'server.db'}", scenarios_dir=folder) as client:
        agent = login(client, "agent01")
        ids = [item["id"] for item in client.get("/v1/scenarios", headers=agent).json()["items"]]
        assert ids == ["our_wire_down"]
        assert client.get(f"/v1/scenarios/{SHIPPED}", headers=agent).status_code == 404
        assert client.get("/v1/scenarios/our_wire_down", headers=agent).json()["id"] == "our_wire_down"


def test_the_command_line_flag_reaches_the_settings(tmp_path: Path) -> None:
    args: argparse.Namespace = build_parser().parse_args(
        ["server", "--db", f"sqlite:///{tmp_path / 's.db'}", "--scenarios", str(tmp_path)])
    assert settings_from_args(args).scenarios_dir == tmp_path
    default = build_parser().parse_args(["server", "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert settings_from_args(default).scenarios_dir is None
