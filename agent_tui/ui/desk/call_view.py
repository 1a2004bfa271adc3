"""What the call strip shows, as one plain frozen value: the desk publishes it, the strips draw it.

The view holds no widget and no Textual type, so the headless desk model can produce it later and
tests can build it by hand. Its timers are start times, not elapsed seconds: the value stays the same
while a call goes on, so publishing it once a second costs nothing (equal values do not repaint), and
each strip counts the seconds itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from agent_tui.desk.calls import CallPhase, CallSession


class StripPhase(StrEnum):
    """Which call the strip is about, and how far it is."""

    IDLE = "idle"
    RINGING = "ringing"
    DIALING = "dialing"
    TALKING = "talking"
    HELD = "held"
    ENDED = "ended"
    """Finished and not wrapped up yet (the strip points at the wrap-up key)."""


@dataclass(frozen=True)
class CallView:
    """The agent's state and the call in focus, as the call strip shows them."""

    state_label: str = ""
    """The agent state in the UI language ("On call", "Not Ready (Break)")."""
    state_class: str = ""
    """The state's style class (`-ready`, `-not-ready`, `-acw`, `-on-call`)."""
    phase: StripPhase = StripPhase.IDLE
    number: str = ""
    """The caller's number, cleaned."""
    name: str = ""
    """The customer's (or the caller's display) name, cleaned."""
    answered_at: datetime | None = None
    """When the call was answered: the talk timer counts from here."""
    ended_at: datetime | None = None
    """When it ended: the talk timer stops here."""
    hold_started: float | None = None
    """`time.monotonic()` when the current hold began (None: not on hold)."""
    hold_s: float = 0.0
    """Hold time of earlier holds on this call."""
    muted: bool = False
    waiting: str = ""
    """The number of a second call ringing while this one is up ("" when none)."""
    note: str = ""
    """A warning about the line, e.g. "Poor line: loss 5.2%" ("" when none)."""
    call_id: str = ""
    """The call shown ("" when none): an order form checks it is still its own caller's."""
    offer: str = ""
    """Outbound work offered (or an offer that expired), in the UI language: shown while no call is
    up, over every panel as a ringing call is ("" when none)."""
    offer_deadline: float | None = None
    """`time.monotonic()` when the offer's countdown ends (the strip counts down itself)."""
    offer_dials: bool = False
    """The offer is dialled when the countdown ends (progressive), not given back."""
    offer_keys: tuple[str, ...] = ()
    """The strip's keys for the offer (`outbound_dial`, `outbound_skip`, `outbound_resume`)."""

    @property
    def live(self) -> bool:
        """A call is ringing, dialing, up or held: quitting now would drop it."""
        return self.phase in (StripPhase.RINGING, StripPhase.DIALING, StripPhase.TALKING, StripPhase.HELD) \
            or bool(self.waiting)


_PHASES = {
    CallPhase.RINGING: StripPhase.RINGING,
    CallPhase.DIALING: StripPhase.DIALING,
    CallPhase.TALKING: StripPhase.TALKING,
    CallPhase.HELD: StripPhase.HELD,
    CallPhase.ENDED: StripPhase.ENDED,
}


def call_view(state_label: str, state_class: str, *, active: CallSession | None,
              ringing: CallSession | None, last_ended: CallSession | None, note: str = "",
              offer: CallView | None = None) -> CallView:
    """The view of the desk's calls: the active call, else the ringing one, else one to wrap up, else
    the outbound offer (`offer`: a view holding only the offer's fields)."""
    session = active or ringing
    if session is None and last_ended is not None and not last_ended.wrapped_up \
            and last_ended.answered_at is not None:
        session = last_ended
    if session is None:
        if offer is not None:
            return replace(offer, state_label=state_label, state_class=state_class)
        return CallView(state_label=state_label, state_class=state_class)
    name = session.customer.name if session.customer is not None else session.display
    waiting = ""
    if ringing is not None and active is not None and ringing is not active:
        waiting = ringing.number or "?"
    return CallView(
        state_label=state_label,
        state_class=state_class,
        phase=_PHASES[session.phase],
        number=session.number,
        name=name,
        answered_at=session.answered_at,
        ended_at=session.ended_at,
        hold_started=session.hold_started,
        hold_s=session.hold_s,
        muted=session.muted,
        waiting=waiting,
        note=note,
        call_id=session.call_id,
    )
