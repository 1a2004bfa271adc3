"""Structural guards for the desk's start-up work (no timing; bench/startup.py measures): what the
`agent-tui desk` path imports before its first paint, and what it leaves for later."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from agent_tui.credential_access import LazyCredentials
from agent_tui.phone.desk_phone import EnginePhone

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("keyring", "agent_tui.credentials", "click", "pygments", "pjsua2", "agent_tui.phone.engine")


def run_python(code: str, tmp_path: Path, **extra_env: str) -> dict[str, object]:
    """Run `code` in a fresh interpreter (it prints one JSON line); its answer."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **extra_env}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False, env=env)
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_the_desk_command_path_leaves_heavy_modules_for_later(tmp_path: Path) -> None:
    # Password from the environment, calls without a registrar: no credential store needed to start.
    config = tmp_path / "desk.toml"
    config.write_text('[backend]\nurl = "http://127.0.0.1:9"\n', encoding="utf-8")
    answer = run_python(f"""
        import json, sys
        sys.modules.setdefault("httpx._main", None)  # as main() does, before this test imports launch
        import agent_tui.ui.desk.launch as launch
        from agent_tui.cli import main
        built = []
        launch.run_desk = lambda *args, **kwargs: built.append(kwargs["store"]) or 0
        code = main(["desk", "--config", {str(config)!r}, "--user", "a1", "--listen", "127.0.0.1:5999"])
        loaded = [name for name in {HEAVY!r} if name in sys.modules]
        print(json.dumps({{"code": code, "loaded": loaded, "stores": len(built)}}))
    """, tmp_path, AGENT_TUI_PASSWORD="demo")
    assert answer["code"] == 0
    assert answer["stores"] == 1
    assert answer["loaded"] == [], "imported before the desk could paint"


def test_the_httpx_cli_is_not_imported_on_the_ui_path(tmp_path: Path) -> None:
    answer = run_python("""
        import json, sys
        from agent_tui.cli import main
        code = main(["desk", "--config", "/nonexistent/agent-tui.toml"])
        cli = [m for m in ("click", "pygments", "httpx._main") if sys.modules.get(m) is not None]
        print(json.dumps({"code": code, "httpx": "httpx" in sys.modules, "cli": cli}))
    """, tmp_path)
    assert answer["httpx"] is True
    assert answer["cli"] == []


def test_the_phone_engine_is_made_on_first_use() -> None:
    made: list[object] = []

    class Engine:
        def __init__(self) -> None:
            self.listener: object = None
            self.started = False

        def set_listener(self, listener: object) -> None:
            self.listener = listener

        def start(self) -> None:
            self.started = True

    def factory() -> Engine:
        engine = Engine()
        made.append(engine)
        return engine

    phone = EnginePhone(factory=factory)

    def listener(event: object) -> None:
        pass

    phone.set_listener(listener)
    phone.stop()  # never made: nothing to stop
    assert made == []
    phone.start()
    assert len(made) == 1
    engine = made[0]
    assert isinstance(engine, Engine)
    assert engine.started
    assert engine.listener is listener


def test_credentials_open_on_first_use() -> None:
    from agent_tui.credentials import CredentialStore

    store = LazyCredentials()
    assert store._store is None
    assert store.needs_unlock == CredentialStore.open().needs_unlock
    assert store._store is not None
