"""What the call strip is told of outbound work, without Textual: the offer with its deadline, and an
offer that expired (who, after how long) until the agent resumes."""

from __future__ import annotations

from agent_tui.desk.effects import Notify
from agent_tui.desk.outbound import NOT_TAKEN, OutboundDialer, OutboundItem, ReleaseItem
from agent_tui.desk.outbound_offer import OfferShown, offer_shown
from tests.desk.harness import Desk

ITEM = OutboundItem(source="campaign", item_id="9", number="13700000009", name="Wang Fang", reason="停电预告")


def offered(mode: str = "preview") -> tuple[Desk, OutboundDialer]:
    desk = Desk()
    desk.run(desk.model.set_ready())
    dialer = OutboundDialer(mode="progressive" if mode == "progressive" else "preview", preview_s=15)
    dialer.sync(desk.model, desk.clock.seconds)
    dialer.fetched(ITEM, desk.model, desk.clock.seconds)
    return desk, dialer


def test_an_offer_is_shown_with_its_deadline() -> None:
    desk, dialer = offered()
    assert offer_shown(dialer) == OfferShown(ITEM, desk.clock.seconds + 15)
    _, progressive = offered("progressive")
    shown = offer_shown(progressive)
    assert shown is not None
    assert shown.dials_itself


def test_an_expired_offer_says_who_and_after_how_long_and_stays_until_resumed() -> None:
    desk, dialer = offered()
    desk.clock.advance(15)
    out = dialer.tick(desk.model, desk.clock.seconds)
    assert out[0] == ReleaseItem(ITEM, NOT_TAKEN)
    notice = out[1]
    assert isinstance(notice, Notify)
    assert "expired" in notice.text
    assert notice.params == {"who": "13700000009 Wang Fang", "seconds": "15"}
    assert notice.timeout >= 30  # still there when the agent looks up from the panel
    assert offer_shown(dialer) == OfferShown(ITEM, expired_after_s=15)
    desk.clock.advance(60)
    dialer.tick(desk.model, desk.clock.seconds)
    assert offer_shown(dialer) == OfferShown(ITEM, expired_after_s=15)  # persistent, not a toast
    dialer.resume(desk.clock.seconds)
    assert offer_shown(dialer) is None


def test_a_pause_by_the_agent_is_not_an_expiry_and_nothing_offered_shows_nothing() -> None:
    _, dialer = offered()
    dialer.pause()
    assert offer_shown(dialer) is None
    assert offer_shown(OutboundDialer()) is None
