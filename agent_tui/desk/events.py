"""Events the desk model takes besides the phone's own (`agent_tui.phone.events`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC

from agent_tui.domain.customer import LookupResult
from agent_tui.domain.text import clean
from agent_tui.phone.events import IncomingCall


@dataclass(frozen=True)
class Tick:
    """A second passed (the model reads the time from its clock)."""


@dataclass(frozen=True)
class LookupDone:
    """The screen-pop lookup of `call_id` answered (`result`) or failed (`error`, shown on the card)."""

    call_id: str
    result: LookupResult | None
    error: str = ""


@dataclass(frozen=True)
class PhoneHealth:
    """The phone is usable (registered and its registrar answers) or not."""

    ok: bool


@dataclass(frozen=True)
class PopPainted:
    """The ringing call's card is on screen (held state writes may go now)."""


def cleaned_incoming(event: IncomingCall) -> IncomingCall:
    """An incoming call with the caller's text made safe (number, name, headers come from outside) and
    its time zone-aware: what the desk model is given, on desks and ghosts alike."""
    return replace(event, number=clean(event.number, 64), display=clean(event.display, 120),
                   headers={clean(k, 64): clean(v, 200) for k, v in event.headers.items()},
                   at=event.at if event.at.tzinfo else event.at.replace(tzinfo=UTC))
