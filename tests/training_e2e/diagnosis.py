"""What a self-practice call on a real desk looks like right now, for the message of a failed wait.

When an end-to-end training test times out ("the score card never came"), the assertion alone says
nothing about where the call got stuck. `practice_state` tells: the screens on the desk, the training
status and the steps the desk reached, the calls the desk still holds (is the call up?), and for each
simulated caller process it started: alive or not, its last events (`caption`, `ended`...) and the
last lines of its log file (its stderr). So a failure on a CI machine is diagnosable from the log alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent_tui.training.caller_process import ProcessLauncher

EVENTS_SHOWN = 8
LOG_LINES_SHOWN = 12


def _short(value: object, limit: int = 60) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "..."


def _desk_part(app: Any) -> list[str]:
    desk = app.desk
    training = desk.training
    lines = [f"screens: {[type(screen).__name__ for screen in app.screen_stack]}"]
    current = training.current
    if current is None:
        lines.append("training: no current call")
    else:
        step = current.run.step.id if current.run is not None else None
        lines.append(f"training: attempt {current.attempt_id} status {current.status!r} form step {step} "
                     f"steps timed {sorted(current.step_seconds)} card {current.card is not None}")
        lines.append(f"  captions: {[_short(text, 40) for text in current.captions[-3:]]}")
    lines.append(f"training calls awaiting their end: {sorted(training.calls)}; cards {len(training.cards)}")
    sessions = [f"{s.call_id} {s.phase.value} ended_at={s.ended_at} reason={s.end_reason!r}"
                for s in desk.calls.values()]
    lines.append(f"desk calls: {sessions or 'none'}")
    return lines


def _log_tail(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return [f"  ({path.name}: {error})"]
    return [f"  | {_short(line, 160)}" for line in text.splitlines()[-LOG_LINES_SHOWN:]]


def _callers_part(launcher: ProcessLauncher) -> list[str]:
    """Each caller process: alive or its exit code, its last events, the tail of its log file."""
    lines: list[str] = []
    for caller in launcher.started:
        state = "running" if caller.running else f"exited {caller.proc.returncode}"
        lines.append(f"caller process {caller.pid}: {state}; last events:")
        for event in caller.events[-EVENTS_SHOWN:]:
            fields = {key: _short(value) for key, value in event.items() if key not in ("audio", "mood")}
            lines.append(f"  {fields}")
    if launcher.log_dir is not None:
        for log_file in sorted(launcher.log_dir.glob("caller-*.log")):
            lines.append(f"{log_file.name}:")
            lines.extend(_log_tail(log_file))
    return lines or ["no caller process started"]


def callers_state(launcher: ProcessLauncher) -> str:
    """The caller processes `launcher` started (the trainer's console has no desk to describe)."""
    try:
        return "\n".join(_callers_part(launcher))
    except Exception as error:  # the message of a failure must not fail itself
        return f"(callers unavailable: {error!r})"


def practice_state(app: Any, launcher: ProcessLauncher) -> str:
    """The desk's training state and its caller processes, as lines for an assertion message."""
    try:
        parts = _desk_part(app) + _callers_part(launcher)
    except Exception as error:  # the message of a failure must not fail itself
        parts = [f"(state unavailable: {error!r})"]
    return "\n".join(parts)
