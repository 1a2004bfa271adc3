"""The SIP trace panel: the SIP messages of the current (or last) call, for a quality complaint.

The phone keeps them (`agent_tui.phone.sip_trace`: cleaned, credentials masked, bounded); this panel
only lays them out as plain `Text` (never markup: a header is the caller's text). One block per
message: time, direction and the other side, the first line, the headers, the size of the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from agent_tui.desk.calls import CallSession
from agent_tui.i18n import Translator
from agent_tui.phone.sip_trace import SipMessage
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.desk_panel import DeskPanelScreen


def traced_call(focus: CallSession | None, calls: dict[str, CallSession]) -> CallSession | None:
    """The call to trace: the one the card is about, else the last one of the session."""
    if focus is not None:
        return focus
    return next(reversed(calls.values()), None)


def trace_text(messages: Sequence[SipMessage], t: Translator) -> Text:
    """The messages as plain text (their fields are already cleaned by the trace)."""
    text = Text(no_wrap=False)
    if not messages:
        text.append(t.t("No SIP messages for this call."))
    for message in messages:
        arrow = t.t("sent to") if message.direction == "TX" else t.t("received from")
        text.append(f"{message.at.astimezone().strftime('%H:%M:%S.%f')[:-3]} {message.direction} {arrow} "
                    f"{message.peer}\n", style="dim")
        text.append(message.first_line + "\n", style="bold")
        for name, value in message.headers:
            text.append(f"  {name}: ", style="bold")
            text.append(value + "\n")
        if message.body_bytes:
            text.append("  " + t.t("(body: {count} bytes)", count=message.body_bytes) + "\n", style="dim")
        text.append("\n")
    return text


class SipTraceScreen(DeskPanelScreen[None]):
    """A read-only, scrollable trace."""

    def __init__(self, number: str, messages: Sequence[SipMessage]) -> None:
        super().__init__()
        self.number = number
        self.messages = list(messages)

    def compose(self) -> ComposeResult:
        title = self.t.t("SIP trace: {number}", number=clean(self.number, 40))
        with Vertical(classes="panel"):
            yield Static(Text(title), classes="panel-title")
            with VerticalScroll():
                yield Static(trace_text(self.messages, self.t), id="sip-trace")


def open_sip_trace(app: Any, phone: Any, focus: CallSession | None, calls: dict[str, CallSession],
                   t: Translator) -> None:
    """Open the panel for the current (or last) call; a notice when there is no call or no phone."""
    call = traced_call(focus, calls)
    if call is None:
        app.notify(t.t("No call to trace."), timeout=3)
        return
    read = getattr(phone, "sip_trace", None)
    messages = list(read(call.call_id)) if callable(read) else []
    app.push_screen(SipTraceScreen(call.number or call.display, messages))
