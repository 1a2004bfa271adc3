"""Guards for the session's first screen pop (no timing): it does no work the later ones skip.

bench/screen_pop.py measured the first pop at about twice the others (27 ms against 10-15 on a quiet
machine): every ring asked whether the wrap-up panel was open by importing its module, and with it
Textual's TextArea, on the pop's path; and F2's label, wider while Ready, cost a layout pass the first
time it changed. docs/performance.md ("Fourth round") says what was measured.
"""

from __future__ import annotations

from pathlib import Path

from agent_tui.ui.desk.desk_footer import DeskFooter, DeskFooterKey
from tests.ui.helpers import make_app, popped, screen_text, wait_until
from tests.ui.test_perf_startup import run_python

RING_CYCLE = """
    import asyncio, json, sys
    from pydantic import SecretStr
    from agent_tui.phone.events import CallEnded
    from agent_tui.ui.common.options import DeskOptions
    from agent_tui.ui.desk.app import DeskApp
    from agent_tui.ui.desk.services import DeskServices
    from tests.ui.doubles import FakeBackend, FakePhone, FakeWrites, LocalScreens

    LATER = ("agent_tui.ui.desk.wrapup", "textual.widgets._text_area")

    async def until(pilot, predicate, what):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not predicate():
            assert loop.time() < deadline, what
            await pilot.pause(0.01)

    async def main():
        phone, backend = FakePhone(), FakeBackend()
        services = DeskServices(backend=backend, writes=FakeWrites(), phone=phone, screens=LocalScreens(),
                                callbacks=backend)
        app = DeskApp(services, DeskOptions(username="agent1"), password=SecretStr("secret"))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.desk.logged_in, "login")
            before = [name for name in LATER if name in sys.modules]
            phone.ring()
            await until(pilot, lambda: "c1" in app.desk.calls and app.desk.calls["c1"].pop_latency_ms
                        is not None, "the card painted")
            phone.emit(CallEnded(call_id="c1", code=487, reason="cancelled", duration_s=0.0))
            await until(pilot, lambda: app.desk.ringing is None, "the ring over")
            await pilot.pause()
            after = [name for name in LATER if name in sys.modules]
            print(json.dumps({"before": before, "after": after}))

    asyncio.run(main())
"""


def test_a_ring_before_any_wrap_up_loads_neither_the_wrap_up_nor_textual_text_area(tmp_path: Path) -> None:
    # A fresh interpreter: in this one, other tests have loaded both long ago.
    answer = run_python(RING_CYCLE, tmp_path)
    assert answer["before"] == []
    assert answer["after"] == []  # the ring asked whether a wrap-up panel was open without importing it


async def test_f2_takes_its_widest_label_s_width_from_the_start_so_no_relabel_costs_a_layout_pass() -> None:
    app, phone, _, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        footer = app.desk.query_one(DeskFooter)

        def f2() -> DeskFooterKey:
            return next(key for key in footer.query(DeskFooterKey) if key.key == "f2")

        await wait_until(pilot, lambda: str(f2().description) == "Ready", what="F2 = Ready")
        assert f2().reserve == len("Not Ready")  # padded to the label it will show while Ready
        # What a layout pass would be for: F2 changing width and moving the keys after it. Compared by the
        # keys' regions, not by counting layout passes (others, e.g. a late one from the login under load,
        # are not this rule's business).
        regions = [key.region for key in footer.query(DeskFooterKey)]
        await pilot.press("f2")
        await wait_until(pilot, lambda: str(f2().description) == "Not Ready", what="F2 = Not Ready")
        await pilot.pause()
        assert "f2 Not Ready" in screen_text(app).splitlines()[-1]
        # the first "Not Ready" fits the width F2 has had since it was composed: nothing moved
        assert [key.region for key in footer.query(DeskFooterKey)] == regions
        phone.ring()
        await wait_until(pilot, lambda: popped(app), what="card painted")
        await pilot.pause()
        assert f2().region == regions[[key.key for key in footer.query(DeskFooterKey)].index("f2")]
