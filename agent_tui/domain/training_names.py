"""Trainer mode's names that the desk needs on every state change and progress report, without the
training wire models (`agent_tui.domain.training` re-exports them: one copy of each).

The models are ~2 MB of the desk's memory once imported; a desk that never takes a training call
should not pay for them, and these names are all it needs until one comes.
"""

from __future__ import annotations

from enum import StrEnum

TRAINING_REASON = "training"
"""The Not Ready reason code of an agent in training status."""
TRAINING_COMMANDS = ("training_launch", "training_hint", "training_caption", "training_takeover",
                     "training_release", "training_stop")
"""Commands a trainer may send to a trainee's desk (on the agent's command stream)."""


class ProgressKind(StrEnum):
    """What a progress report from a trainee's desk is about."""

    CALL = "call"
    """The training call rang, was answered or ended (`detail`: ringing / answered / ended)."""
    STEP = "step"
    """The trainee's script reached `step`."""
    FIELDS = "fields"
    """Fields were filled (`filled` of `total` on the route so far)."""
    CAPTION = "caption"
    """The simulated caller said a line (self-practice: the desk runs the caller)."""
    FINISHED = "finished"
    """The attempt was scored (`total`, `passed`)."""
