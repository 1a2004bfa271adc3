"""The base of the trainer console's panels: a `PanelScreen` whose Escape is a priority key.

A trainer closes a review and the results and launches again in one burst (Escape Escape F2 Enter): with
Escape an ordinary binding the second Escape and the F2 reached the panel still on top and were lost (see
`agent_tui.ui.common.key_order`). As a priority binding the App closes the panel before it routes the next
key. The console's panels hold no widget that needs Escape itself (no drop-down, no editor).
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType

from agent_tui.ui.common.panel import PanelScreen

ResultT = TypeVar("ResultT")


class TrainPanel(PanelScreen[ResultT]):
    """A console panel; Escape closes it before the keys typed behind it are routed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", priority=True, id="panel.close"),
    ]
