"""The desk's side of the outbound dialer: it carries out the dialer's effects and paints its line.

The rules are in the headless model (`agent_tui.desk.outbound`); this class asks the item source
(`agent_tui.desk.outbound_items`) in workers, places the item's call on the phone's thread, notices
the item's call ending from the desk model, asks the agent for the outcome, and paints the preview.
The desk screen calls `desk_changed` after every change of its model and `tick` once a second.

Releases and outcomes go into the outbox's journal on a worker thread (its commit, and for an outcome
its fsync: 5-20 ms on a busy disk, too long for the UI thread); the agent is told "Outcome queued." once
it is on disk, the desk's word for any write in its outbox. At each link report of the outbox and each
tick, while some are not delivered, the journal's count of them (plus those still being written) is
handed to the dialer, which asks for the next item at 0.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.dom import DOMNode

from agent_tui.desk.calls import CallPhase
from agent_tui.desk.effects import Effect, Notify
from agent_tui.desk.model import DeskModel
from agent_tui.desk.outbound import (
    DialerPhase,
    DialItem,
    FetchNext,
    OutboundDialer,
    OutboundEffect,
    OutboundItem,
    OutboundMode,
    ReleaseItem,
    SaveOutcome,
)
from agent_tui.desk.outbound_items import OutboundSource
from agent_tui.desk.outbound_offer import OfferShown, offer_shown
from agent_tui.domain.base import utc_now
from agent_tui.i18n import Translator
from agent_tui.ui.common.context import desk_app
from agent_tui.ui.desk.call_view import CallView
from agent_tui.ui.desk.outbound_outcome import OutboundOutcomeScreen, outcome_for
from agent_tui.ui.desk.outbound_preview import OutboundPreview, offer_view, preview_text
from agent_tui.ui.desk.outbound_script import DeskScript

if TYPE_CHECKING:
    from agent_tui.ui.desk.order_host import OrderHost
    from agent_tui.ui.desk.services import ScreenSource

log = logging.getLogger(__name__)

DESK_CLOSED = "desk closed"
"""Release reason of an item offered when the desk quit."""
GIVE_BACK_S = 3.0
"""How long quitting waits for the outbox to deliver the release of an offered item (after that it stays
in the journal and goes at the next start, before any item is asked for)."""
GIVE_BACK_POLL_S = 0.05
"""How often quitting looks whether the release was delivered."""


class OutboundHost(Protocol):
    """What the controller needs of the desk screen."""

    model: DeskModel
    t: Translator
    app: Any

    def carry(self, effects: list[Effect]) -> None:
        """Carry out desk effects (notices, the dialled call)."""

    def refresh_view(self) -> None:
        """Repaint the desk and publish the call strips' view (soon, once)."""

    def _phone(self) -> Any:
        """The phone, or None (with a notice) when there is none."""

    def query(self, selector: Any) -> Any:
        """Widgets of the screen."""


class DeskOutbound:
    """One desk's outbound work: the dialer, its source, and the preview line."""

    def __init__(self, host: OutboundHost, source: OutboundSource | None, *, mode: OutboundMode = "off",
                 preview_s: float = 15.0, poll_s: float = 20.0,
                 clock: Callable[[], float] = time.monotonic, screens: ScreenSource | None = None) -> None:
        self.host = host
        self.source = source
        self.journaling = 0
        """Releases and outcomes handed to a thread and not yet in the journal (counted as waiting)."""
        self.dialer = OutboundDialer(mode=mode if source is not None else "off", preview_s=preview_s,
                                     poll_s=poll_s, writing=self._waiting(0))
        """The rules; `off` when there is no source. Releases and outcomes a previous run left in the
        outbox hold the first item back until they are delivered."""
        self.clock = clock
        self.asking_outcome = False
        self.script = DeskScript(cast(DOMNode, host), cast("OrderHost", host), screens)
        """The campaign call's script (`screens`: where the campaigns' screens come from)."""
        self.strip_shows: OfferShown | None = None
        """The offer the call strips were last handed (they are republished when it changes)."""

    @property
    def on(self) -> bool:
        """Whether this desk does outbound work at all."""
        return self.dialer.mode != "off"

    # ---- from the desk ------------------------------------------------------------------------

    def desk_changed(self) -> None:
        """The desk model changed: the item's call may have ended, an offer may have to go."""
        if not self.on:
            return
        self._follow_call()
        self._carry(self.dialer.sync(self.host.model, self.clock()))
        self.paint()

    def tick(self) -> None:
        """Once a second: the countdown, and the outbox's delivery of releases and outcomes."""
        if not self.on:
            return
        self._follow_call()
        self._settle()
        self._carry(self.dialer.tick(self.host.model, self.clock()))
        self.paint()

    def link_report(self) -> None:
        """The outbox reported (a write delivered, the queue changed): the dialer's releases and
        outcomes may be delivered now, so the next item comes at once rather than at the next tick."""
        if self.on and self.dialer.writing:
            self._settle()
            self.paint()

    def accept(self) -> None:
        """ctrl+y: dial the offered item, give the outcome of its call, or resume outbound work."""
        if not self.on:
            self.host.app.notify(self.host.t.t("Outbound work is off on this desk."), timeout=3)
            return
        if self.dialer.phase is DialerPhase.OUTCOME:
            self._ask_outcome()
        elif self.dialer.phase is DialerPhase.OFFERED:
            self._carry(self.dialer.accept(self.host.model))
        elif self.dialer.paused:
            self._carry(self.dialer.resume(self.clock()))
            self._carry(self.dialer.sync(self.host.model, self.clock()))
        self.paint()

    def skip(self) -> None:
        """ctrl+f: give the offered item back (it is not offered again this session)."""
        self._carry(self.dialer.skip("skipped by the agent"))
        self.paint()

    async def give_back(self) -> None:
        """The desk is closing: an offered item goes back at once (one dialled or waiting for its
        outcome stays claimed by this agent, and is offered to them first next time)."""
        source = self.source
        if source is None or self.dialer.phase is not DialerPhase.OFFERED:
            return
        for effect in self.dialer.pause():
            if isinstance(effect, ReleaseItem):
                await self._journal(source, ReleaseItem(effect.item, DESK_CLOSED))
        # The outbox is still running (it stops after this hook): give it a moment to deliver. A poll,
        # at quit only: the outbox tells deliveries to the link listener, not per kind to us.
        for _ in range(int(GIVE_BACK_S / GIVE_BACK_POLL_S)):
            if not self._waiting(0):
                return
            await asyncio.sleep(GIVE_BACK_POLL_S)

    # ---- inside -------------------------------------------------------------------------------

    def _follow_call(self) -> None:
        """The item's call, as the desk model sees it: answered, then ended (→ the outcome)."""
        call_id = self.dialer.call_id
        if self.dialer.phase is not DialerPhase.ON_CALL or call_id is None:
            return
        session = self.host.model.calls.get(call_id)
        if session is None:
            return
        if session.answered:
            self.dialer.call_answered(call_id)
        self.script.follow(self.dialer, self.host.model)
        if session.phase is CallPhase.ENDED:
            self._carry(self.dialer.call_ended(call_id))
            self._ask_outcome()

    def _carry(self, effects: list[OutboundEffect]) -> None:
        for effect in effects:
            if isinstance(effect, FetchNext):
                self._fetch(effect.skip)
            elif isinstance(effect, ReleaseItem | SaveOutcome):
                self._send(effect)
            elif isinstance(effect, DialItem):
                self._dial(effect.item)
            elif isinstance(effect, Notify):
                self.host.carry([effect])

    def _fetch(self, skip: tuple[str, ...]) -> None:
        source = self.source
        if source is None:
            return

        async def ask() -> None:
            try:
                item = await source.next_item(skip)
            except Exception as error:  # the backend is down or refused: ask again later
                log.warning("asking for the next outbound item failed: %s", error)
                self._carry(self.dialer.fetch_failed(self.clock()))
                return
            self._carry(self.dialer.fetched(item, self.host.model, self.clock()))
            self.paint()

        self._spawn(ask, "asking for the next outbound item")

    def _send(self, effect: ReleaseItem | SaveOutcome) -> None:
        """Into the outbox's journal, off this thread; the dialer counts it as waiting meanwhile."""
        source = self.source
        if source is None:
            return
        self.journaling += 1

        async def send() -> None:
            try:
                await self._journal(source, effect)
            finally:  # journalled (or refused by the disk, which the worker reports): count again
                self.journaling -= 1
                self._settle()
                self.paint()

        if isinstance(effect, ReleaseItem):
            self._spawn(send, "returning the outbound item")
        else:
            self._spawn(send, "saving the outbound outcome")

    async def _journal(self, source: OutboundSource, effect: ReleaseItem | SaveOutcome) -> None:
        """The write into the outbox's journal on a thread; an outcome is acknowledged once on disk."""
        if isinstance(effect, ReleaseItem):
            await asyncio.to_thread(source.release, effect.item, effect.reason)
            return
        await asyncio.to_thread(source.save, effect.item, effect.outcome)
        self.host.carry([Notify("Outcome queued.", timeout=3)])

    def _settle(self) -> None:
        """Hand the dialer the journal's count of its releases and outcomes (only while it waits on some)."""
        if self.dialer.writing:
            self._carry(self.dialer.delivered(self._waiting(self.dialer.writing), self.host.model,
                                              self.clock()))

    def _waiting(self, otherwise: int) -> int:
        """The source's releases and outcomes not delivered yet, and those being journalled (0 without
        a source; `otherwise` when the journal cannot be read)."""
        if self.source is None:
            return 0
        try:
            return self.source.waiting() + self.journaling
        except Exception:  # the journal could not be read: the next tick asks again
            log.exception("counting the queued outbound writes failed")
            return otherwise

    def _spawn(self, work: Callable[[], Awaitable[None]], what: str) -> None:
        node = cast(DOMNode, self.host)  # the desk screen
        desk_app(node).spawn(node, work, what)

    def _dial(self, item: OutboundItem) -> None:
        phone = self.host._phone()
        if phone is None:
            self._carry(self.dialer.dial_failed())
            return
        app = self.host.app

        def place() -> None:
            try:
                call_id = phone.make_call(item.number)
            except Exception as error:
                app.call_from_thread(self._dial_failed, str(error))
                return
            app.call_from_thread(self._placed, call_id, item)

        app.spawn_thread(place, "dialing")

    def _placed(self, call_id: str, item: OutboundItem) -> None:
        self._carry(self.dialer.placed(call_id))
        self.host.carry(self.host.model.dialed(call_id, item.number))

    def _dial_failed(self, why: str) -> None:
        self._carry(self.dialer.dial_failed())
        self.host.carry([Notify("Could not dial: {reason}", {"reason": why}, severity="warning")])

    def _ask_outcome(self) -> None:
        item = self.dialer.item
        if self.asking_outcome or item is None or self.host.model.ringing_id is not None:
            return
        self.asking_outcome = True

        def chosen(code: str | None) -> None:
            self.asking_outcome = False
            if code is not None:
                self._carry(self.dialer.finish(outcome_for(code, utc_now())))
                self._carry(self.dialer.sync(self.host.model, self.clock()))
            self.paint()

        reached = self.script.call_ended(self.dialer.call_id, self.dialer.answered)
        self.host.app.push_screen(OutboundOutcomeScreen(item, reached), chosen)

    def paint(self) -> None:
        """The preview line from the dialer's state; the call strips when the offer changed (they count
        its seconds down themselves, so a tick republishes nothing)."""
        lines = self.host.query(OutboundPreview)
        if lines:
            lines.first().text = preview_text(self.host.t, self.dialer, self.clock(), utc_now())
        shows = offer_shown(self.dialer)
        if shows != self.strip_shows:
            self.strip_shows = shows
            self.host.refresh_view()

    def offer_view(self) -> CallView | None:
        """The offer's part of the call strips (None: no offer, or outbound off)."""
        if not self.on or offer_shown(self.dialer) is None:  # every paint asks: the common case is cheap
            return None
        return offer_view(self.host.t, self.dialer, utc_now())
