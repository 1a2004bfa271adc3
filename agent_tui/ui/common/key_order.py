"""Keys handled in the order they were typed, also when a whole burst arrives in one read.

Keys in bursts (measured with textual 8.2.8, see ARCHITECTURE.md): the App routes each key of a read
to the widget focused at that moment, and an ordinary binding runs later, in the focused widget's own
queue, after the keys behind it were already routed to the old focus. A key that moves the focus or
changes the screen must therefore be a `priority=True` binding: the App runs those before it routes
the next key. `bindings.FOCUS_KEYS` are the App's; `bindings.ENTER_MOVES_ON` is for form screens,
whose action raises `SkipAction` when the focused widget is not a text field so Enter still reaches
lists and buttons.

The other half of the same race: a priority action runs in the App's task, possibly before the fields
processed the keys routed to them just before it (`pp1234` Tab Tab `demo` Enter reads an empty
password). An action that reads what was typed awaits `settle_keys(screen)` first.

And a third (measured: `abc` BSpace `d` Enter in one read gives "abc" in a bare Textual Input): a key
the focused widget does not consume itself (BSpace, arrows, Home, End in an Input) bubbles up to the
App, which looks up the binding only then, against the focus of that later moment and after the keys
behind it were typed. `own_binding_now` runs such a key's binding of the focused widget at once,
after the widget caught up with the keys before it.

Last, a screen that opens on a key (a work-order form chosen with Enter) has no field to take the keys
typed behind that key until its first step is drawn: such a screen holds a `KeyGate`, and the App
routes no key to it before the gate opens.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from textual._context import active_message_pump
from textual.app import App
from textual.events import Key
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widget import Widget

log = logging.getLogger(__name__)

SETTLE_TIMEOUT_S = 2.0
"""How long an action waits for the fields to catch up with the keys before it (a safety net: a
healthy field takes microseconds)."""


async def _processed(pump: MessagePump) -> None:
    """Return once `pump` handled every message queued for it before this call."""
    if pump is active_message_pump.get(None):
        return  # our own queue waits behind us: its keys were processed before this handler ran
    done = asyncio.Event()
    if pump.call_later(done.set):
        await done.wait()


async def settle_keys(screen: Screen[Any]) -> None:
    """Wait until the screen's fields processed the keys already routed to them, and the messages
    those keys posted (`Input.Changed`...) bubbled up to the screen, one level of containers at a
    time (each container forwards a bubbling message from its own queue)."""
    level: set[MessagePump] = {w for w in screen.query("*") if isinstance(w, Widget) and w.focusable}
    try:
        async with asyncio.timeout(SETTLE_TIMEOUT_S):
            while level:
                await asyncio.gather(*(_processed(pump) for pump in level))
                parents = {w.parent for w in level if isinstance(w, Widget)}
                level = {p for p in parents if isinstance(p, Widget) and p is not screen}
            await _processed(screen)
    except TimeoutError:
        log.warning("fields did not catch up with the keys within %.1f s", SETTLE_TIMEOUT_S)


async def own_binding_now(app: App[Any], event: Key) -> bool:
    """Run the focused widget's own binding for `event` now, in the order the keys came (True when a
    binding handled it). Keys the widget consumes itself (text) and priority keys are left to Textual."""
    focused = app.focused
    if focused is None or focused.check_consume_key(event.key, event.character):
        return False
    own = [b for b in focused._bindings.key_to_bindings.get(event.key, ()) if not b.priority]
    if not own:
        return False
    if await app._check_bindings(event.key, priority=True):
        return True  # what Textual checks first
    await _processed(focused)
    for binding in own:
        if await app.run_action(binding.action, focused):
            return True
    return False


class KeyGate:
    """Closed while a new screen builds its fields; the App holds keys for that screen until it opens."""

    def __init__(self) -> None:
        self._open = asyncio.Event()

    @property
    def is_open(self) -> bool:
        """Whether keys may be routed to the screen."""
        return self._open.is_set()

    def open(self) -> None:
        """The fields are there and one has the focus."""
        self._open.set()

    async def wait(self) -> None:
        """Return once open (or after `SETTLE_TIMEOUT_S`: a screen that never opens must not freeze
        the keyboard)."""
        try:
            async with asyncio.timeout(SETTLE_TIMEOUT_S):
                await self._open.wait()
        except TimeoutError:
            log.warning("a screen did not open for keys within %.1f s", SETTLE_TIMEOUT_S)
            self._open.set()
