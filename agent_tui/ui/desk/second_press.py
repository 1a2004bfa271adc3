"""A key that acts only when pressed a second time soon after the first (plain Python, no Textual).

The one-key hang-up (`x`) sits next to keys agents type all day; a stray press must not end a call.
The first press arms it (the desk says "press x again to hang up"), a second press within the window
acts, and a press after the window arms it again.
"""

from __future__ import annotations

SECOND_PRESS_WINDOW_S = 2.0
"""How long the first press of a two-press key stays armed."""


class SecondPress:
    """Arms on the first press; `press()` is True for a second press within `window_s`."""

    def __init__(self, window_s: float = SECOND_PRESS_WINDOW_S) -> None:
        self.window_s = window_s
        self.armed_at: float | None = None
        """When the first press came (monotonic seconds), or None when not armed."""

    def press(self, now: float) -> bool:
        """One press at `now`: True when it confirms an earlier one (and disarms), else arms."""
        if self.armed_at is not None and 0 <= now - self.armed_at <= self.window_s:
            self.armed_at = None
            return True
        self.armed_at = now
        return False

    def reset(self) -> None:
        """Forget a first press (the call it was about has gone)."""
        self.armed_at = None
