"""`agent-tui desk` raises Textual's frame-rate ceiling (a pop waits for the next frame), unless the
environment chose one: docs/performance.md has the measurements."""

from __future__ import annotations

import argparse
import os

import pytest

from agent_tui import cli


def test_the_desk_sets_its_frame_rate_ceiling_unless_the_environment_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str | None] = []

    def launched(_args: argparse.Namespace) -> int:
        seen.append(os.environ.get("TEXTUAL_FPS"))
        return 0

    monkeypatch.setattr("agent_tui.ui.desk.launch.run", launched)
    monkeypatch.setenv("TEXTUAL_FPS", "1")  # recorded, so the test leaves the variable as it found it
    monkeypatch.delenv("TEXTUAL_FPS")
    assert cli.main(["desk"]) == 0
    monkeypatch.setenv("TEXTUAL_FPS", "30")
    assert cli.main(["desk"]) == 0
    assert seen == [str(cli.DESK_MAX_FPS), "30"]
