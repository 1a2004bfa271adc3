"""Scripted work-order screens: loading `screens/*.toml`, validating answers, running the branching.

Nothing here imports Textual; the desk's UI drives a `FormRun` and saves it with a `DraftStore`.
"""

from __future__ import annotations

from agent_tui.forms.drafts import DraftLoadResult, DraftStore
from agent_tui.forms.loader import (
    ScreenError,
    ScreenLoadResult,
    bundled_screens_dir,
    load_screen,
    load_screens,
)
from agent_tui.forms.messages import Message
from agent_tui.forms.prefill import PrefillContext
from agent_tui.forms.runner import FormError, FormRun
from agent_tui.forms.validate import Invalid, Valid, validate

__all__ = [
    "DraftLoadResult",
    "DraftStore",
    "FormError",
    "FormRun",
    "Invalid",
    "Message",
    "PrefillContext",
    "ScreenError",
    "ScreenLoadResult",
    "Valid",
    "bundled_screens_dir",
    "load_screen",
    "load_screens",
    "validate",
]
