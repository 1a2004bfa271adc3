"""Text from outside in a notification is data, never markup (issue 11 QA, session 5): the desk's
notifications were drawn as Textual markup, so "Call waiting: {number}" with a caller number holding
`[/]` raised MarkupError while the toast was drawn (the desk stopped mid-call), and `[b]x[/b]` showed
a different number than the one calling. The same held for a backend's refusal detail."""

from __future__ import annotations

from textual.widgets._toast import Toast

from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import answer_first_call, make_app, wait_until

HOSTILE = "[/]1390[b]000[/b]"


async def test_a_call_waiting_number_with_markup_is_shown_as_it_is() -> None:
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}))
    async with app.run_test(size=(80, 24)) as pilot:
        await answer_first_call(pilot, app, phone)
        phone.ring("c2", HOSTILE)
        await wait_until(pilot, lambda: any("Call waiting" in n.message for n in app._notifications),
                         what="the call-waiting notification")
        note = next(n for n in app._notifications if "Call waiting" in n.message)
        assert Toast(note).render().plain == f"Call waiting: {HOSTILE}"
        assert app.is_running
