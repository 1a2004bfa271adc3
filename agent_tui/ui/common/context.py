"""Reaching the App's translator and error handler from any widget, without importing the App class."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

from textual.dom import DOMNode
from textual.worker import Worker

from agent_tui.i18n import Translator
from agent_tui.ui.common.options import DeskOptions


@runtime_checkable
class DeskAppLike(Protocol):
    """What widgets may ask of the App."""

    translator: Translator
    options: DeskOptions

    def report_error(self, error: BaseException, what: str) -> None:
        """Show an error as a notification (never a traceback)."""

    def spawn(
        self, node: DOMNode, work: Callable[[], Awaitable[Any]], what: str, *,
        group: str = "default", exclusive: bool = False,
    ) -> Worker[None]:
        """Run async work in a worker whose errors go to `report_error`."""


def desk_app(node: DOMNode) -> DeskAppLike:
    """The running desk App of `node`."""
    app = node.app
    if not isinstance(app, DeskAppLike):
        raise TypeError("this widget needs the agent-tui desk App")
    return app


def tr(node: DOMNode) -> Translator:
    """The translator of the running App (English when the App has none, e.g. in a widget test)."""
    app = node.app
    found = getattr(app, "translator", None)
    return found if isinstance(found, Translator) else Translator("en")
