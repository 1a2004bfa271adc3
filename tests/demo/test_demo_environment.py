"""Issue 15: `agent-tui demo` checks the environment before it starts anything (one clean line)."""

from __future__ import annotations

import pytest

from agent_tui import cli
from agent_tui.demo import stack


@pytest.mark.parametrize("mode", ["desk", "monitor", "train"])
def test_a_bad_variable_is_one_clean_line_and_nothing_starts(
        mode: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    started: list[str] = []

    def no_start(*args: object, **kwargs: object) -> None:
        started.append("stack")
        raise AssertionError("the demo started a child before checking its settings")

    monkeypatch.setattr(stack.DemoStack, "__enter__", no_start)
    monkeypatch.setenv("AGENT_TUI_UI__LANGUAGE", "de")
    code = cli.main(["demo", mode])
    err = capsys.readouterr().err
    assert code == 2
    assert started == []
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("agent-tui: $AGENT_TUI_UI__LANGUAGE: ui.language:")
    assert "Traceback" not in err
