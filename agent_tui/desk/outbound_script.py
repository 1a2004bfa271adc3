"""When the desk shows a campaign's script, and what the script's answers say about the call, with no UI.

A campaign contact carries its screen (`OutboundItem.screen`, e.g. `outage_notice`). Agents read the
greeting as the customer picks up, so the script opens as soon as the phone placed the item's call
(not when the customer answers: by then the agent is already late), once per call. It never opens over
a ringing inbound call: the ring keeps the agent's screen, and the script opens once the ring is gone
if the item's call is still up.

When the call ends the script closes and the outcome panel follows the call as before; a script whose
`reached` answer is no puts the "not reached" outcome (`no_answer`) first, even when the line was
answered (a relative, a wrong person).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from agent_tui.desk.calls import CallPhase
from agent_tui.desk.outbound import DialerPhase, OutboundDialer
from agent_tui.domain.base import JsonScalar

REACHED_FIELD = "reached"
"""The campaign screens' yes/no field saying whether the right person was reached."""


@dataclass(frozen=True)
class OpenScript:
    """Open the screen `screen` for the item's call `call_id`."""

    screen: str
    call_id: str


def script_to_open(dialer: OutboundDialer, ringing_id: str | None, call_phase: CallPhase | None,
                   opened_for: str | None) -> OpenScript | None:
    """The script to open now, or None.

    `call_phase` is the phase of the dialer's call in the desk model (None: not in the model yet);
    `opened_for` is the call whose script was opened already (each call opens its script once, so an
    agent who closed it is not shown it again).
    """
    item, call_id = dialer.item, dialer.call_id
    if dialer.phase is not DialerPhase.ON_CALL or item is None or call_id is None or not item.screen:
        return None
    if call_id == opened_for or ringing_id is not None:
        return None
    if call_phase is None or call_phase is CallPhase.ENDED:
        return None
    return OpenScript(item.screen, call_id)


def reached_by_script(answers: Mapping[str, JsonScalar] | None) -> bool | None:
    """What the script says about reaching the customer: its `reached` answer, None when not given."""
    if answers is None:
        return None
    value = answers.get(REACHED_FIELD)
    return value if isinstance(value, bool) else None


def reached_for_outcome(answered: bool, script_reached: bool | None) -> bool:
    """Whether the outcome panel treats the call as reaching the customer: answered, unless the script
    says the right person was not reached."""
    return answered and script_reached is not False
