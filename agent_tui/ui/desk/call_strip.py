"""The call strip: one row that keeps the call in view on every desk screen.

Agent state, the caller, the talk and hold timers, and the keys that act on the call (hang up, hold,
answer, wrap up). The desk, the order forms and the wrap-up each compose one; all of them are fed from
one place: the App's `call_view` (a `CallView`), which the strip watches. A strip never reaches into
the desk screen, so a headless desk model can feed it later by publishing views the same way.

Each part of the row is a reactive string: a new view that changes nothing repaints nothing, a change
repaints this one row (never a layout pass), and the once-a-second tick of a running call changes only
the timers. The row is always exactly one line high, shown or idle, so nothing under it moves.
"""

from __future__ import annotations

import time
from typing import ClassVar, Protocol, runtime_checkable

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from agent_tui.domain.base import utc_now
from agent_tui.domain.figures import talk_seconds
from agent_tui.ui.common.context import tr
from agent_tui.ui.common.text import clean, duration
from agent_tui.ui.desk.call_view import CallView, StripPhase

TIMED = (StripPhase.TALKING, StripPhase.HELD)
"""Phases whose timers run (the strip ticks only then: an idle desk writes nothing)."""
CALLER_MIN_CELLS = 13
"""Cells the current caller keeps on the row before a waiting call's label is shortened (a mobile
number, its leading space, and the ellipsis where the name is cut)."""
STRIP_CLASSES = ("-ready", "-not-ready", "-acw", "-on-call")

CALL_BINDINGS: list[BindingType] = [
    Binding("f3", "app.desk('answer')", "Answer", id="desk.answer"),
    Binding("f4", "app.desk('hangup')", "Hang up", id="desk.hangup"),
    Binding("f5", "app.desk('hold')", "Hold", id="desk.hold"),
    # The outbound offer shows on the strip over every panel (desk/outbound_offer.py): its keys too.
    # Not shown in footers; a text field that uses the key itself (ctrl+f in an input) keeps it.
    Binding("ctrl+y", "app.desk('outbound_dial')", "Dial offered", show=False, id="desk.outbound_dial"),
    Binding("ctrl+f", "app.desk('outbound_skip')", "Skip offered", show=False, id="desk.outbound_skip"),
]
"""The call keys the strip names. The App has them; a modal panel that shows a strip adds them too,
because a modal screen hides the App's bindings and the strip must not name a key that does nothing."""


@runtime_checkable
class CallViewSink(Protocol):
    """Where the desk publishes the call view (the desk App)."""

    call_view: CallView


PARTS = ("state", "caller", "waiting", "timers", "keys")


class CallStrip(Widget):
    """State, caller, timers and call keys in one row (see the module docstring)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "call-strip--row-live", "call-strip--row-ringing",
        "call-strip--state", "call-strip--state-ready", "call-strip--state-not-ready",
        "call-strip--state-acw", "call-strip--state-on-call",
        "call-strip--caller", "call-strip--caller-ringing", "call-strip--caller-held",
        "call-strip--timers", "call-strip--timers-held", "call-strip--keys",
    }
    """One style per part of the row and per look of it. The row picks them as it draws: changing the
    look swaps no CSS class, so a ring costs no style pass over the strip."""
    DEFAULT_CSS = """
    CallStrip {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $foreground;
    }
    CallStrip > .call-strip--row-live { background: $agent-on-call 30%; }
    CallStrip > .call-strip--row-ringing { background: $call-ringing 60%; }
    CallStrip > .call-strip--state { text-style: bold; }
    CallStrip > .call-strip--state-ready { background: $agent-ready 40%; text-style: bold; }
    CallStrip > .call-strip--state-not-ready { background: $agent-not-ready 40%; text-style: bold italic; }
    CallStrip > .call-strip--state-acw { background: $agent-acw 40%; text-style: bold underline; }
    CallStrip > .call-strip--state-on-call { background: $agent-on-call 40%; text-style: bold reverse; }
    CallStrip > .call-strip--caller { text-style: none; }
    CallStrip > .call-strip--caller-ringing { text-style: bold reverse; }
    CallStrip > .call-strip--caller-held { text-style: bold italic underline; }
    CallStrip > .call-strip--timers { text-style: bold; }
    CallStrip > .call-strip--timers-held { text-style: bold reverse; }
    CallStrip > .call-strip--keys { text-style: bold; }
    """

    KEYS: ClassVar[dict[str, tuple[str, str]]] = {
        "answer": ("desk.answer", "f3"),
        "hangup": ("desk.hangup", "f4"),
        "hold": ("desk.hold", "f5"),
        "wrapup": ("desk.wrapup", "f10"),
        "outbound_dial": ("desk.outbound_dial", "ctrl+y"),
        "outbound_skip": ("desk.outbound_skip", "ctrl+f"),
        "outbound_resume": ("desk.outbound_dial", "ctrl+y"),
    }
    """Binding id and default key of each call key the strip names (a keymap may move them)."""

    state_text: reactive[str] = reactive("", init=False)
    """The agent state as the strip shows it."""
    caller_text: reactive[str] = reactive("", init=False)
    """Who the call is with and what it is doing (ringing, on hold, muted)."""
    waiting_text: reactive[str] = reactive("", init=False)
    """The number of a second call ringing behind this one ('' none). It keeps its place on the row
    and the caller's name gives way: over a form it is the only sign of that ring (QA, issue 11)."""
    timer_text: reactive[str] = reactive("", init=False)
    """Talk time, and the hold time while the call is on hold; changes once a second on a call."""
    keys_text: reactive[str] = reactive("", init=False)
    """The keys that act on the call now (hang up and hold, answer, or wrap up)."""
    state_look: reactive[str] = reactive("", init=False)
    """How the state part looks: ready, not-ready, acw, on-call ('' plain)."""
    call_look: reactive[str] = reactive("", init=False)
    """How the call looks: ringing, live, held ('' no call)."""

    def __init__(self) -> None:
        super().__init__(id="call-strip")
        self.drawn = CallView()
        """The view drawn now (the App's `call_view` when there is one)."""
        self.changes = dict.fromkeys(PARTS, 0)
        """How often each part changed (tests check that a tick changes only the timers)."""
        self._ticker: Timer | None = None

    def on_mount(self) -> None:
        """Follow the App's call view (or draw the idle view in an App without one)."""
        self._ticker = self.set_interval(1.0, self._tick, pause=True)
        if isinstance(self.app, CallViewSink):
            self.watch(self.app, "call_view", self.show_view, init=True)
        else:
            self.show_view(self.drawn)

    def part(self, name: str) -> str:
        """The text of one part of the row: state, caller, timers or keys."""
        return {"state": self.state_text, "caller": self.caller_text, "waiting": self._waiting_label(),
                "timers": self.timer_text, "keys": self.keys_text}[name]

    def _waiting_label(self, short: bool = False) -> str:
        """The waiting call as the row shows it; `short`: its number only, when the row is tight."""
        if not self.waiting_text:
            return ""
        if short:
            return f"☎ {self.waiting_text}"
        return "☎ " + tr(self).t("Call waiting") + f" {self.waiting_text}"

    @property
    def shown(self) -> str:
        """The whole row as plain text (for tests and the help screen)."""
        return "  ".join(text for text in (self.part(name) for name in PARTS) if text)

    def render(self) -> Text:
        """The row: state, caller (cut to what is left, with an ellipsis), timers, keys.

        One widget drawing its one row: a change repaints this row only and never needs Textual's
        layout pass (four cells of changing widths would have needed one on every ring).
        """
        width = self.size.width
        style = self.get_component_rich_style
        call = self.call_look
        row_style = (style("call-strip--row-ringing") if call == "ringing"
                     else style("call-strip--row-live") if call in ("live", "held") else None)
        fixed = Text()
        tail = Text()
        if self.state_text:
            look = f"call-strip--state-{self.state_look}" if self.state_look else "call-strip--state"
            fixed.append(f" {self.state_text}", style(look))
        if self.timer_text:
            timers = "call-strip--timers-held" if call == "held" else "call-strip--timers"
            tail.append(f" {self.timer_text} ", style(timers))
        if self.keys_text:
            tail.append(f" {self.keys_text} ", style("call-strip--keys"))
        room = max(width - fixed.cell_len - tail.cell_len, 0)
        waiting = Text()
        if self.waiting_text:
            # The waiting call comes before the name: with its label while the current call's number
            # keeps room beside it, else its number alone.
            label = self._waiting_label()
            if room - cell_len(label) - 2 < CALLER_MIN_CELLS:
                label = self._waiting_label(short=True)
            waiting.append(f"  {label}", style("call-strip--caller-ringing"))
            room = max(room - waiting.cell_len, 0)
        caller_look = {"ringing": "call-strip--caller-ringing", "held": "call-strip--caller-held"}.get(
            call, "call-strip--caller")
        caller = Text(f" {self.caller_text}", style(caller_look))
        caller.truncate(room, overflow="ellipsis", pad=True)
        row = Text.assemble(fixed, caller, waiting, tail, style=row_style or "")
        row.truncate(width, overflow="ellipsis", pad=True)
        return row

    # ---- drawing ----------------------------------------------------------------------------

    def show_view(self, view: CallView) -> None:
        """Draw `view`: only the parts that differ from the last one are repainted."""
        self.drawn = view
        self.state_look = view.state_class.removeprefix("-") if view.state_class in STRIP_CLASSES else ""
        self.call_look = ("ringing" if view.phase is StripPhase.RINGING or self._counting(view)
                          else "held" if view.phase is StripPhase.HELD
                          else "live" if view.live else "")
        self.state_text = view.state_label
        self.caller_text = self._caller_line(view)
        self.waiting_text = clean(view.waiting, 40)
        self.keys_text = self._keys_line(view)
        self.timer_text = self._timer_line(view)
        if self._ticker is not None:
            if view.phase in TIMED or self._counting(view):
                self._ticker.resume()
            else:
                self._ticker.pause()

    def _tick(self) -> None:
        self.timer_text = self._timer_line(self.drawn)

    @staticmethod
    def _counting(view: CallView) -> bool:
        """An outbound offer counts down on the strip (no call up)."""
        return view.phase is StripPhase.IDLE and view.offer_deadline is not None

    def _caller_line(self, view: CallView) -> str:
        t = tr(self).t
        if view.phase is StripPhase.IDLE:
            return view.offer or t("No call.")  # the offer is translated and cleaned by the desk
        who = clean(view.number, 40) or t("unknown number")
        name = clean(view.name, 60)
        if name:
            who += f"  {name}"
        # The state cell already says "On call" or "Ringing": the caller cell adds only what it does not.
        label = {
            StripPhase.RINGING: "☎",
            StripPhase.DIALING: t("Dialing"),
            StripPhase.TALKING: "",
            StripPhase.HELD: t("On hold"),
            StripPhase.ENDED: t("Call ended"),
        }[view.phase]
        text = f"{label} {who}" if label else who
        if view.muted and view.phase in TIMED:
            text += f"  [{t('MUTED')}]"
        if view.note and view.phase in TIMED:
            text += f"  [{clean(view.note, 60)}]"
        return text

    def _timer_line(self, view: CallView) -> str:
        t = tr(self).t
        if self._counting(view):
            assert view.offer_deadline is not None
            left = max(0, int(view.offer_deadline - time.monotonic() + 0.999))
            return t("Dials in {seconds} s", seconds=left) if view.offer_dials else t("{seconds} s left",
                                                                                     seconds=left)
        if view.answered_at is None or view.phase in (StripPhase.IDLE, StripPhase.RINGING):
            return ""
        holding = time.monotonic() - view.hold_started if view.hold_started is not None else 0.0
        talk = talk_seconds(view.answered_at, view.ended_at or utc_now(), view.hold_s + holding)
        text = t("Talk {time}", time=duration(talk))  # talk excludes hold (domain.figures)
        if view.phase is StripPhase.HELD and view.hold_started is not None:
            text += "  " + t("Hold {time}", time=duration(holding))
        return text

    def _keys_line(self, view: CallView) -> str:
        t = tr(self).t
        if view.phase is StripPhase.RINGING:
            return f"{self._key_name('answer')} {t('Answer')}"
        if view.phase is StripPhase.DIALING:
            return f"{self._key_name('hangup')} {t('Hang up')}"
        if view.phase in TIMED:
            hold = t("Resume") if view.phase is StripPhase.HELD else t("Hold")
            return f"{self._key_name('hangup')} {t('Hang up')}  {self._key_name('hold')} {hold}"
        if view.phase is StripPhase.ENDED:
            return f"{self._key_name('wrapup')} {t('Wrap-up')}"
        if view.phase is StripPhase.IDLE and view.offer_keys:
            labels = {"outbound_dial": "Dial", "outbound_skip": "Skip", "outbound_resume": "Resume"}
            return "  ".join(f"{self._key_name(name)} {t(labels[name])}" for name in view.offer_keys)
        return ""

    def _key_name(self, name: str) -> str:
        """The key of a call action as the agent's keymap has it (first key when several)."""
        binding_id, default = self.KEYS[name]
        options = getattr(self.app, "options", None)
        keymap: dict[str, str] = getattr(options, "keymap", None) or {}
        key = keymap.get(binding_id, default).split(",")[0].strip() or default
        return self.app.get_key_display(Binding(key, ""))

    # ---- watchers: count the changes (each reactive repaints the row by itself) -----------------

    def watch_state_text(self) -> None:
        """The state changed."""
        self.changes["state"] += 1

    def watch_caller_text(self) -> None:
        """The caller part changed."""
        self.changes["caller"] += 1

    def watch_waiting_text(self) -> None:
        """A second call started or stopped ringing behind this one."""
        self.changes["waiting"] += 1

    def watch_timer_text(self) -> None:
        """The timers changed (once a second on a call)."""
        self.changes["timers"] += 1

    def watch_keys_text(self) -> None:
        """The keys changed."""
        self.changes["keys"] += 1

    def on_resize(self) -> None:
        """Cut the caller to the new width."""
        self.refresh()
