"""Trainer mode without the UI: scenarios, the simulated caller's brain and voice, and scoring.

The wire models (Scenario, Attempt, ScoreCard...) live in `agent_tui.domain.training` so the backend can
serve and store them. Nothing here imports Textual; `caller` imports the phone package lazily for its
process entry point only.

Import from the modules themselves (`agent_tui.training.scenario`, `.director`, `.scoring`, `.speech`):
this package re-exports nothing, so a module the desk needs at start (`caller_process`, `desk_call`)
does not bring the director, the scenario loader, the scorer and the voice with it.
"""
