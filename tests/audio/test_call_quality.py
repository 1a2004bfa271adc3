"""A bad line on the call strip: the engine's figures judged, shown while bad, gone when good again."""

from __future__ import annotations

from agent_tui.i18n import Translator
from agent_tui.phone.events import CallEnded, CallStats
from agent_tui.phone.quality import mos_estimate
from agent_tui.phone.quality_watch import QualityBook, judge
from agent_tui.ui.desk.call_quality import quality_note
from tests.ui.helpers import make_app, popped, screen_text, wait_until


def stats(loss: float = 0.0, jitter: float = 2.0, rx: int = 250, final: bool = False) -> CallStats:
    mos = mos_estimate("PCMA", 20.0, jitter, loss)
    return CallStats(call_id="c1", codec="PCMA/8000", jitter_ms=jitter, loss_pct=loss, rtt_ms=20.0,
                     mos=mos, rx_packets=rx, tx_packets=rx, final=final)


def test_limits_and_what_the_strip_says() -> None:
    assert judge(stats()).problems == ()
    assert mos_estimate("PCMA", 20.0, 2.0, 10.0) < 3.6  # 10 % loss on G.711 is heard
    assert judge(stats(loss=10.0)).problems == ("loss", "mos")
    assert judge(stats(jitter=45.0)).problems == ("jitter",)
    assert judge(stats(loss=50.0, rx=0)).problems == ()  # nothing received yet: nothing to judge
    en, zh = Translator("en"), Translator("zh")
    bad = judge(stats(loss=10.0, jitter=45.0))
    mos = f"{bad.mos:.1f}"
    assert quality_note(en, bad) == f"Poor line: loss 10.0%, jitter 45 ms, MOS {mos}"
    assert quality_note(zh, bad) == f"线路质量差：丢包 10.0%, 抖动 45 毫秒, MOS {mos}"
    assert quality_note(en, judge(stats())) is None
    assert quality_note(en, None) is None


def test_the_book_reports_changes_only_and_forgets_ended_calls() -> None:
    book = QualityBook()
    assert book.apply(stats()) is True  # first report
    assert book.apply(stats()) is False  # still good: nothing to repaint
    assert book.apply(stats(loss=6.0)) is True
    assert book.apply(stats(loss=7.0)) is False  # still bad for the same reasons
    assert book.apply(stats(final=True)) is False  # the hang-up report is not a live figure
    assert book.apply(CallEnded(call_id="c1", reason="normal", code=200, duration_s=3.0)) is True
    assert book.of("c1") is None


async def test_the_call_strip_flags_a_bad_line_and_clears_it() -> None:
    app, phone, _, _ = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        phone.ring()
        await wait_until(pilot, lambda: popped(app))
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.desk.active_id == "c1")
        def shown() -> str:
            return screen_text(app)

        phone.emit(stats())
        await pilot.pause()
        assert "Poor line" not in shown()
        phone.emit(stats(loss=10.0))
        await wait_until(pilot, lambda: "Poor line: loss 10.0%" in shown())
        phone.emit(stats())
        await wait_until(pilot, lambda: "Poor line" not in shown())
