"""Guard: the desk command collects less often while the desk's modules load, and only then (no timing).

Collecting every 700 allocations while ~800 modules unmarshal and build their classes cost ~25 ms of
CPU at every start (docs/performance.md, "Desk start-up CPU"); launch's own pause came only after
its imports. The session itself collects with the thresholds it had.
"""

from __future__ import annotations

from pathlib import Path

from agent_tui.startup_gc import IMPORT_THRESHOLDS
from tests.ui.test_perf_startup import run_python


def test_the_desk_modules_load_with_looser_thresholds_then_the_usual_ones_return(tmp_path: Path) -> None:
    config = tmp_path / "desk.toml"
    config.write_text("[backend\n", encoding="utf-8")  # broken: the command stops after the imports
    answer = run_python(f"""
        import gc, json, sys

        usual = gc.get_threshold()
        seen = {{}}

        class Watch:
            def find_spec(self, name, path=None, target=None):
                if name in ("agent_tui.ui.desk.launch", "httpx", "pydantic"):
                    seen[name] = list(gc.get_threshold())
                return None

        sys.meta_path.insert(0, Watch())
        from agent_tui.cli import main
        code = main(["desk", "--config", {str(config)!r}])
        print(json.dumps({{"code": code, "seen": seen, "after": gc.get_threshold() == usual}}))
    """, tmp_path)
    assert answer["code"] == 2  # the broken config was reported after the desk's modules loaded
    loose = list(IMPORT_THRESHOLDS)
    assert answer["seen"] == {"agent_tui.ui.desk.launch": loose, "httpx": loose, "pydantic": loose}
    assert answer["after"] is True


def test_other_commands_keep_the_usual_thresholds(tmp_path: Path) -> None:
    answer = run_python("""
        import gc, json
        usual = gc.get_threshold()
        from agent_tui.cli import main
        try:
            main(["config", "--help"])
        except SystemExit:
            pass
        print(json.dumps({"same": gc.get_threshold() == usual, "enabled": gc.isenabled()}))
    """, tmp_path)
    assert answer == {"same": True, "enabled": True}
