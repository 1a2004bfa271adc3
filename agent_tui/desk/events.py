"""Events the desk model takes besides the phone's own (`agent_tui.phone.events`)."""

from __future__ import annotations

from dataclasses import dataclass

from agent_tui.domain.customer import LookupResult


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
