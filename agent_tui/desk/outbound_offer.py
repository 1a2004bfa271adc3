"""What the desk shows of outbound work over every panel: the offer and its countdown, or that it expired.

An offer that came while a panel was open (an order form, the wrap-up, F1, the palette, the callbacks
list) used to show on the desk's preview line only, behind the panel: its countdown ran out unseen and
outbound paused without the agent knowing why. Like a ringing call, an offer now shows on the call strip
that every desk panel carries (Amazon Connect and Genesys show a preview contact over whatever the agent
has open); once it expired, the strip says so, and why, until the agent resumes. No Textual here: the
desk turns this into the strip's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent_tui.desk.outbound import DialerPhase, OutboundDialer, OutboundItem


@dataclass(frozen=True)
class OfferShown:
    """The outbound work the call strip shows while no call is up."""

    item: OutboundItem
    deadline: float | None = None
    """When the offer's countdown ends (monotonic seconds); None once it expired."""
    dials_itself: bool = False
    """Progressive: the call is placed when the countdown ends (preview: the item goes back)."""
    expired_after_s: float | None = None
    """The offer expired untaken after this many seconds: outbound is paused until resumed."""


def offer_shown(dialer: OutboundDialer) -> OfferShown | None:
    """The offer on the strip now (None: nothing offered, and no expired offer to tell about)."""
    if dialer.phase is DialerPhase.OFFERED and dialer.item is not None:
        return OfferShown(dialer.item, dialer.deadline, dials_itself=dialer.mode == "progressive")
    if dialer.paused and dialer.expired is not None:
        return OfferShown(dialer.expired, expired_after_s=dialer.preview_s)
    return None
