"""Trainer mode without the UI: scenarios, the simulated caller's brain and voice, and scoring.

The wire models (Scenario, Attempt, ScoreCard...) live in `agent_tui.domain.training` so the backend can
serve and store them. Nothing here imports Textual; `caller` imports the phone package lazily for its
process entry point only.
"""

from __future__ import annotations

from agent_tui.training.director import (
    Answered,
    Director,
    DirectorEvent,
    DtmfPressed,
    HungUp,
    NextPressed,
    Say,
    SpeechEnded,
    StepReached,
    Tick,
)
from agent_tui.training.scenario import (
    ScenarioError,
    ScenarioLoadResult,
    bundled_scenarios_dir,
    load_scenario,
    load_scenarios,
)
from agent_tui.training.scoring import attempt_from_run, render_card, score
from agent_tui.training.speech import SpeechCache, SpeechError, SpeechUnavailable, Voice, voice_for

__all__ = [
    "Answered",
    "Director",
    "DirectorEvent",
    "DtmfPressed",
    "HungUp",
    "NextPressed",
    "Say",
    "ScenarioError",
    "ScenarioLoadResult",
    "SpeechCache",
    "SpeechEnded",
    "SpeechError",
    "SpeechUnavailable",
    "StepReached",
    "Tick",
    "Voice",
    "attempt_from_run",
    "bundled_scenarios_dir",
    "load_scenario",
    "load_scenarios",
    "render_card",
    "score",
    "voice_for",
]
