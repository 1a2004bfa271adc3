"""The SIP trace panel (ctrl+z): the current call's messages as plain text, credentials masked."""

from __future__ import annotations

from datetime import UTC, datetime

from agent_tui.desk.calls import CallSession
from agent_tui.i18n import Translator
from agent_tui.phone.sip_trace import MASK, SipTrace
from agent_tui.ui.desk.sip_trace_panel import SipTraceScreen, trace_text, traced_call
from tests.phone.test_sip_trace import invite, response
from tests.ui.doubles import FakePhone
from tests.ui.helpers import make_app, popped, screen_text, wait_until

AT = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)


class TracingPhone(FakePhone):
    """A fake phone with a real trace behind `sip_trace`."""

    def __init__(self) -> None:
        super().__init__()
        self.trace = SipTrace()

    def sip_trace(self, call_id: str) -> list[object]:
        return list(self.trace.messages(call_id))


def test_the_trace_text_has_direction_first_line_headers_and_body_size() -> None:
    trace = SipTrace()
    trace.bind("c1", "abc")
    trace.feed(invite("abc", extra='Authorization: Digest response="deadbeef"\r\n'), AT)
    trace.feed(response("abc", 180), AT)
    text = trace_text(trace.messages("c1"), Translator("en")).plain
    assert "RX received from UDP 10.0.0.2:5060" in text
    assert "TX sent to UDP 10.0.0.2:5060" in text
    assert "INVITE sip:100@10.0.0.1 SIP/2.0" in text
    assert f"Authorization: {MASK}" in text
    assert "deadbeef" not in text
    assert "(body: 3 bytes)" in text
    assert trace_text([], Translator("zh")).plain == Translator("zh").t("No SIP messages for this call.")


def test_the_traced_call_is_the_focus_else_the_last() -> None:
    first = CallSession(call_id="a", number="1", display="")
    last = CallSession(call_id="b", number="2", display="")
    calls = {"a": first, "b": last}
    assert traced_call(first, calls) is first
    assert traced_call(None, calls) is last
    assert traced_call(None, {}) is None


async def test_ctrl_z_opens_the_trace_of_the_ringing_call() -> None:
    phone = TracingPhone()
    app, _, _, _ = make_app(phone=phone)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in)
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: "No call to trace." in [str(n.message) for n in app._notifications],
                         what="no-call notice")
        hostile = "[bold red]Boss\x1b[2J\x1b]0;owned\x07"
        phone.trace.bind("c1", "abc")
        phone.trace.feed(invite("abc", display=hostile,
                                extra='Proxy-Authorization: Digest response="cafe"\r\n'), AT)
        phone.ring("c1", number="13800138000")
        await wait_until(pilot, lambda: popped(app), what="pop")
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: isinstance(app.screen, SipTraceScreen), what="trace panel")
        shown = screen_text(app)
        assert "SIP trace: 13800138000" in shown
        assert "INVITE sip:100@10.0.0.1 SIP/2.0" in shown
        assert '"[bold red]Boss' in shown  # markup shown as the caller's text, not applied
        assert f"Proxy-Authorization: {MASK}" in shown
        assert "cafe" not in shown
        assert "owned" not in shown  # the OSC title sequence was removed whole
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SipTraceScreen), what="closed")


def test_the_palette_finds_the_trace_by_another_word() -> None:
    from agent_tui.ui.common.palette import search_words

    assert "信令" in search_words(Translator("zh"), "desk.sip_trace")
