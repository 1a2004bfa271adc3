"""Guard: the desk command pauses the garbage collector before the desk's modules load (no timing).

Collecting while ~800 modules unmarshal and build their classes cost ~35 ms of CPU at every start
(docs/performance.md, "Desk start-up CPU"); launch's own pause came only after its imports.
"""

from __future__ import annotations

from pathlib import Path

from tests.ui.test_perf_startup import run_python


def test_the_collector_is_paused_while_the_desk_modules_load(tmp_path: Path) -> None:
    config = tmp_path / "desk.toml"
    config.write_text("[backend\n", encoding="utf-8")  # broken: the command stops after the imports
    answer = run_python(f"""
        import gc, json, sys

        seen = {{}}

        class Watch:
            def find_spec(self, name, path=None, target=None):
                if name in ("agent_tui.ui.desk.launch", "httpx", "pydantic"):
                    seen[name] = gc.isenabled()
                return None

        sys.meta_path.insert(0, Watch())
        from agent_tui.cli import main
        code = main(["desk", "--config", {str(config)!r}])
        print(json.dumps({{"code": code, "seen": seen}}))
    """, tmp_path)
    assert answer["code"] == 2  # the broken config was reported after the desk's modules loaded
    assert answer["seen"] == {"agent_tui.ui.desk.launch": False, "httpx": False, "pydantic": False}


def test_other_commands_keep_the_collector(tmp_path: Path) -> None:
    answer = run_python("""
        import gc, json
        from agent_tui.cli import main
        try:
            main(["config", "--help"])
        except SystemExit:
            pass
        print(json.dumps({"enabled": gc.isenabled()}))
    """, tmp_path)
    assert answer == {"enabled": True}
