"""Guards for what the desk's start keeps out of its memory (no measuring: bench/startup.py measures RSS).

Each name below was once loaded by a desk that had not needed it yet (docs/performance.md, "Desk
memory"); a change that brings one back at start fails here, in a fresh interpreter.
"""

from __future__ import annotations

from pathlib import Path

from tests.ui.test_perf_startup import run_python

LATER = (
    "agent_tui.server", "fastapi", "sqlalchemy", "hypothesis",
    # Trainer mode's models and machinery: loaded on the first training call, not before.
    "agent_tui.domain.training", "agent_tui.training.director", "agent_tui.training.scenario",
    "agent_tui.training.scoring", "agent_tui.training.speech",
    # The monitor and the trainer's console are other apps.
    "agent_tui.ui.monitor.app", "agent_tui.ui.train.app",
    # PortAudio: only when the phone opens sound devices.
    "sounddevice",
    # The wallboard's, interventions' and reports' models: a desk needs only domain.desk_supervision.
    "agent_tui.domain.supervision", "agent_tui.domain.reports",
    # The form screen and Textual's TextArea: with the first form (order, script, wrap-up), not at start.
    "agent_tui.ui.desk.form", "textual.widgets._text_area",
)


def test_the_desk_start_leaves_later_modules_unloaded(tmp_path: Path) -> None:
    config = tmp_path / "desk.toml"
    config.write_text('[backend]\nurl = "http://127.0.0.1:9"\n', encoding="utf-8")
    answer = run_python(f"""
        import json, sys
        import agent_tui.ui.desk.launch as launch
        from agent_tui.cli import main

        def run_desk(*args, **kwargs):
            import agent_tui.ui.desk.app  # what run_desk imports before the app runs
            return 0

        launch.run_desk = run_desk
        code = main(["desk", "--config", {str(config)!r}, "--user", "a1", "--listen", "127.0.0.1:5999"])
        loaded = [name for name in {LATER!r} if name in sys.modules]
        print(json.dumps({{"code": code, "loaded": loaded, "desk": "agent_tui.ui.desk.desk" in sys.modules}}))
    """, tmp_path, AGENT_TUI_PASSWORD="demo")
    assert answer["code"] == 0
    assert answer["desk"] is True  # the desk's screen itself was imported: the check covers it
    assert answer["loaded"] == []


def test_a_phone_with_null_audio_never_starts_portaudio(tmp_path: Path) -> None:
    answer = run_python("""
        import json, sys
        from agent_tui.config import Settings
        from agent_tui.phone.desk_phone import build_phone

        settings = Settings.model_validate({"audio": {"capture_device": "null"}})
        phone = build_phone(settings, None, ("127.0.0.1", 0))
        null = phone.engine.options.null_audio
        print(json.dumps({"null": null, "portaudio": "sounddevice" in sys.modules}))
    """, tmp_path)
    assert answer == {"null": True, "portaudio": False}
