"""A key that acts only when pressed a second time soon after the first (plain Python, no Textual).

The one-key hang-up (`x`) sits next to keys agents type all day; a stray press must not end a call.
The first press arms it (the desk says "press x again to hang up"), a second press within the window
acts, and a press after the window arms it again.
"""

from __future__ import annotations

SECOND_PRESS_WINDOW_S = 2.0
"""How long the first press of a two-press key stays armed."""


class SecondPress:
    """Arms on the first press; `press()` is True for a second press within `window_s` about the same
    target (the call it would hang up): a press about one call never confirms the hang-up of another."""

    def __init__(self, window_s: float = SECOND_PRESS_WINDOW_S) -> None:
        self.window_s = window_s
        self.armed_at: float | None = None
        """When the first press came (monotonic seconds), or None when not armed."""
        self.armed_for: str | None = None
        """What the first press was about (a call id; None when the caller names nothing)."""

    def press(self, now: float, target: str | None = None) -> bool:
        """One press at `now` about `target`: True when it confirms an earlier one about the same
        target (and disarms), else arms for `target`."""
        if (self.armed_at is not None and target == self.armed_for
                and 0 <= now - self.armed_at <= self.window_s):
            self.reset()
            return True
        self.armed_at = now
        self.armed_for = target
        return False

    def reset(self) -> None:
        """Forget a first press (the call it was about has gone)."""
        self.armed_at = None
        self.armed_for = None
