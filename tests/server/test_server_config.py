"""The server's config file: `agent-tui server --config FILE` (or `$AGENT_TUI_SERVER_CONFIG`) sets the
thresholds and SLA limits of the real server on SQLite and PostgreSQL; a bad file names FILE:LINE: key."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

from agent_tui.config import ConfigError
from agent_tui.domain.ticket import Ticket
from agent_tui.server.settings import ServerSettings
from agent_tui.server.settings_file import NOT_IN_FILE, read_settings_file
from tests.server.process import ServerProcess

pytestmark = pytest.mark.timeout(240)

EXAMPLE = Path(__file__).resolve().parents[2] / "server.example.toml"


def test_the_example_names_every_setting_and_holds_the_defaults() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for name in ServerSettings.model_fields:
        if name not in NOT_IN_FILE:
            assert f"\n{name} =" in text or f"\n# {name} =" in text or f"\n[{name}]" in text, name
    values = read_settings_file(EXAMPLE)
    loaded = ServerSettings.from_url("sqlite://", **values)
    defaults = ServerSettings.from_url("sqlite://")
    assert loaded == defaults
    assert set(values["sla"]) == set(type(defaults.sla).model_fields)


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "server.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_settings_file(path)
    return [str(problem) for problem in caught.value.problems]


def test_errors_name_file_line_and_key(tmp_path: Path) -> None:
    file = tmp_path / "server.toml"
    text = 'sl_threshold_s = "20"\nkeepalive_s = 1.0\n\n[sla]\nab = 2\ncd = 0\nxy = 3\n'
    problems = _problems(tmp_path, text)
    assert problems[0].startswith(f"{file}:1: sl_threshold_s: expected a valid integer")
    assert any(p.startswith(f"{file}:6: sla.cd: expected greater than 0") for p in problems), problems
    assert any(p.startswith(f"{file}:7: sla.xy: unknown key") for p in problems), problems
    assert _problems(tmp_path, "wallbord_interval_s = 1\n") == [
        f"{file}:1: wallbord_interval_s: unknown key (see server.example.toml for the known keys)"]
    assert _problems(tmp_path, "long_call_s = [600.0]\n")[0].startswith(f"{file}:1: long_call_s")
    assert _problems(tmp_path, "x = \n")[0].startswith(f"{file}:1: x: TOML syntax error")


def test_secrets_are_refused(tmp_path: Path) -> None:
    file = tmp_path / "server.toml"
    [secret] = _problems(tmp_path, 'keepalive_s = 2.0\nmonitor_secret = "abc"\n')
    assert secret.startswith(f"{file}:2: monitor_secret: a secret")
    [url] = _problems(tmp_path, 'db_url = "postgresql+psycopg://u:hunter2@db/x"\n')
    assert url.startswith(f"{file}:1: db_url: carries a password")
    assert "hunter2" not in url
    values = read_settings_file(_write(tmp_path, 'db_url = "postgresql+psycopg://u@db/x"\n'))
    assert values == {"db_url": "postgresql+psycopg://u@db/x"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ok.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bad_file_stops_the_server_with_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "[sla]\nab = -1\n")
    env = {**os.environ, "AGENT_TUI_SERVER_CONFIG": str(path)}
    done = subprocess.run(
        [sys.executable, "-m", "agent_tui.cli", "server", "--db", f"sqlite:///{tmp_path / 's.db'}", "--port",
         "0"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert f"{path}:2: sla.ab: expected greater than 0" in done.stderr


def test_the_real_server_takes_its_limits_from_the_file(db_url: str, tmp_path: Path) -> None:
    settings = {"sl_threshold_s": 35, "sla": {"ab": 7, "on_site": 50, "de_other_site": 6}}
    server = ServerProcess(db_url, tmp_path, settings=settings)
    try:
        server.start()
        config = tmp_path / f"server-{server.port}.toml"
        assert tomllib.loads(config.read_text(encoding="utf-8"))["sla"]["ab"] == 7
        headers = server.login("agent01")
        response = httpx.post(f"{server.base}/v1/tickets", headers=headers, timeout=10,
                              json={"ticket_type": "repair", "customer_id": 1, "subject": "配置"})
        assert response.status_code == 201, response.text
        limits = {d.segment: d.limit_minutes for d in Ticket.model_validate(response.json()).deadlines}
        assert limits["AB"] == 7
        assert limits["on_site"] == 50
        assert limits["DE"] == 6
        assert limits["BC"] == 4  # not in the file: the default
        # A server in a process of its own tunes itself once it serves (serving_process.py).
        assert "objects kept out of full garbage collections" in server.log()
    finally:
        server.stop()


def test_escalation_keys_are_checked_with_their_line(tmp_path: Path) -> None:
    file = tmp_path / "server.toml"
    text = "[escalation]\nat_risk_ratio = 1.5\npoll_s = 0.5\nnotify_filing_agent = \"yes\"\nwatch = 1\n"
    problems = _problems(tmp_path, text)
    assert any(p.startswith(f"{file}:2: escalation.at_risk_ratio: expected less than 1")
               for p in problems), problems
    assert any(p.startswith(f"{file}:4: escalation.notify_filing_agent: expected a valid boolean")
               for p in problems), problems
    assert any(p.startswith(f"{file}:5: escalation.watch: unknown key") for p in problems), problems
    values = read_settings_file(_write(tmp_path, "[escalation]\npoll_s = 0.5\nnotify_filing_agent = true\n"))
    loaded = ServerSettings.from_url("sqlite://", **values).escalation
    assert (loaded.poll_s, loaded.notify_filing_agent, loaded.at_risk_ratio) == (0.5, True, 0.75)
