"""The outbound preview line on the desk: the offered item, how long its customer waited, the countdown.

It shows only while the dialer has something to say (an offer, a call it placed, an outcome to give,
that outbound is paused, or that a release or an outcome is still queued in the outbox); the desk
paints it once a second from `agent_tui.desk.outbound`.
"""

from __future__ import annotations

from datetime import datetime

from textual.reactive import reactive
from textual.widgets import Static

from agent_tui.desk.outbound import DialerPhase, OutboundDialer, OutboundItem
from agent_tui.desk.outbound_offer import offer_shown
from agent_tui.i18n import Translator
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.call_view import CallView

REASON_LABELS = {
    "all_busy": "all busy",
    "voicemail": "voicemail",
    "abandoned": "abandoned",
}
"""Why a callback is owed, as the agent reads it (campaign items show the campaign instead)."""


def waited(since: datetime | None, now: datetime) -> str:
    """How long the customer has waited: `5m`, `2h05m`, `3d` (empty when unknown)."""
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 24 * 60:
        return f"{minutes // 60}h{minutes % 60:02d}m"
    return f"{minutes // (24 * 60)}d"


def item_line(t: Translator, item: OutboundItem, now: datetime) -> str:
    """Who is to be called and why, in one line."""
    who = clean(item.number, 40) + (f"  {clean(item.name, 40)}" if item.name else "")
    if item.source == "callback":
        why = t.t(REASON_LABELS.get(item.reason, item.reason))
        wait = waited(item.waiting_since, now)
        text = t.t("Callback {who} ({why}, waiting {wait})", who=who, why=why, wait=wait or "-")
        if item.voicemail:
            text += "  " + t.t("[voicemail]")
        return text
    return t.t("Campaign {campaign}: {who}", campaign=clean(item.reason, 40), who=who)


def preview_text(t: Translator, dialer: OutboundDialer, mono: float, now: datetime) -> str:
    """The preview line for the dialer's state (empty: nothing to show)."""
    item = dialer.item
    if dialer.phase is DialerPhase.OFFERED and item is not None:
        left = dialer.seconds_left(mono) or 0
        key = ("Dials in {seconds} s. ctrl+y dials now, ctrl+f skips." if dialer.mode == "progressive"
               else "ctrl+y dials, ctrl+f skips ({seconds} s).")
        return f"{item_line(t, item, now)}  {t.t(key, seconds=left)}"
    if dialer.phase in (DialerPhase.DIALING, DialerPhase.ON_CALL) and item is not None:
        return t.t("Outbound call: {line}", line=item_line(t, item, now))
    if dialer.phase is DialerPhase.OUTCOME and item is not None:
        return t.t("How did the call go? ctrl+y gives the outcome: {line}", line=item_line(t, item, now))
    if dialer.paused:
        return t.t("Outbound paused. ctrl+y resumes.")
    if dialer.writing and dialer.phase is DialerPhase.IDLE:
        return t.t("Outbound: {count} queued. The next item comes once the backend has it.",
                   count=dialer.writing)
    return ""


def offer_view(t: Translator, dialer: OutboundDialer, now: datetime) -> CallView | None:
    """The offer's part of the call strip (see desk/outbound_offer.py); None: nothing to show."""
    shown = offer_shown(dialer)
    if shown is None:
        return None
    if shown.expired_after_s is not None:
        text = t.t("Offer expired: {who} not taken within {seconds} s. Outbound paused.",
                   who=clean(shown.item.who, 60), seconds=round(shown.expired_after_s))
        return CallView(offer=text, offer_keys=("outbound_resume",))
    return CallView(offer=t.t("Outbound offer: {line}", line=item_line(t, shown.item, now)),
                    offer_deadline=shown.deadline, offer_dials=shown.dials_itself,
                    offer_keys=("outbound_dial", "outbound_skip"))


class OutboundPreview(Static):
    """One line above the footer: the outbound item and the keys for it (hidden when there is none)."""

    DEFAULT_CSS = """
    OutboundPreview { height: auto; max-height: 2; padding: 0 1; background: $boost; display: none; }
    OutboundPreview.-shown { display: block; }
    """

    text: reactive[str] = reactive("", layout=True)
    """What the line says (empty: hidden)."""

    def watch_text(self, text: str) -> None:
        """Show the line, or hide it."""
        self.set_class(bool(text), "-shown")
        self.update(text)
