"""The trainer's console screen: trainees in training status, what runs for each, and the trainer's controls.

Launching a scenario to a trainee sends `training_launch` to their desk (so it knows what is coming)
and starts a simulated caller process here, on the trainer's machine, dialing the SIP address the desk
announced. The caller's lines go to the desk as captions (`training_caption`); the desk's progress
comes back as `training` events and is forwarded to the caller (the step reached cues its lines).

Keys:

| key | id | action |
|---|---|---|
| f2 / l | train.launch | launch a scenario to the marked trainees (or the highlighted one) |
| f3 / space | train.mark | mark / unmark the highlighted trainee |
| f4 / h | train.hint | send a text hint |
| f5 / t | train.takeover | take over the customer role / hand it back |
| f6 / n | train.next | make the caller answer the question just asked |
| f7 / x | train.stop | hang up the simulated call |
| f8 / r | train.results | the trainee's results; Enter reviews one (card, transcript, recording) |
| f10 / m | train.models | the library of model calls (play, export) |
| f9 | train.refresh | reload the trainee list |
"""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agent_tui.domain.events import Event, EventKind
from agent_tui.domain.training import Scenario, ScenarioSummary
from agent_tui.i18n import Translator
from agent_tui.training.caller_process import CallerEvent
from agent_tui.ui.common.bindings import localize_bindings
from agent_tui.ui.common.text import clean, fit
from agent_tui.ui.train.console_layout import CELL_PADDING, ConsoleLayout, layout_for
from agent_tui.ui.train.roster import Roster, TraineeRow

if TYPE_CHECKING:
    from agent_tui.ui.train.console_services import ConsoleServices

log = logging.getLogger(__name__)

REFRESH_S = 5.0
CALL_LABELS = {"launching": "launching", "dialing": "dialing", "ringing": "ringing", "answered": "answered",
               "ended": "ended", "unanswered": "no answer", "failed": "failed"}
STATE_LABELS = {"not_ready": "Not Ready", "ready": "Ready", "on_call": "On call", "ringing": "Ringing",
                "acw": "After-call work", "logged_out": "Logged out"}


class ConsoleScreen(Screen[None]):
    """Trainees, live progress and the trainer's controls."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Keys that open a panel are priority bindings (see ui/common/key_order.py): the panel is on top
        # before the next key of a burst is routed, so F2 Enter launches. The console has no text field.
        Binding("f2,l", "launch", "Launch", priority=True, id="train.launch"),
        Binding("f3,space", "mark", "Mark", id="train.mark"),
        Binding("f4,h", "hint", "Hint", priority=True, id="train.hint"),
        Binding("f5,t", "takeover", "Take over", id="train.takeover"),
        Binding("f6,n", "next", "Next line", id="train.next"),
        Binding("f7,x", "stop", "Stop", id="train.stop"),
        Binding("f8,r", "results", "Results", priority=True, id="train.results"),
        Binding("f10,m", "model_calls", "Model calls", priority=True, id="train.models"),
        Binding("f9", "refresh", "Refresh", show=False, id="train.refresh"),
    ]
    DEFAULT_CSS = """
    ConsoleScreen { layout: vertical; }
    ConsoleScreen #console-title { text-style: bold reverse; padding: 0 1; height: 1; }
    ConsoleScreen #trainees { height: 1fr; }
    ConsoleScreen #console-status { height: auto; max-height: 3; padding: 0 1; }
    ConsoleScreen #caller-line { height: auto; max-height: 2; padding: 0 1; display: none; }
    ConsoleScreen #caller-line.-shown { display: block; }
    """

    def __init__(self, services: ConsoleServices, translator: Translator, *,
                 single_keys: bool = True) -> None:
        super().__init__(id="console")
        self.services = services
        self.t = translator
        localize_bindings(self, translator, single_keys=single_keys)
        self.roster = Roster()
        self.scenarios: dict[str, ScenarioSummary] = {}
        self._ready = False
        self.layout_now: ConsoleLayout = layout_for(120)
        """The table's columns for the terminal's width now (`agent_tui.ui.train.console_layout`)."""

    def compose(self) -> ComposeResult:
        yield Static(self.t.t("Trainer console"), id="console-title", markup=False)
        yield DataTable[str | Text](id="trainees", cursor_type="row", zebra_stripes=True,
                                    cell_padding=CELL_PADDING)
        yield Static("", id="caller-line", markup=False)
        yield Static(self.t.t("Waiting for trainees in training status…"), id="console-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Poll the trainee list; live events do the rest."""
        self._ready = True
        self._lay_out(self.app.size.width)
        # The login may have loaded the trainees before this screen was mounted: show them now, not at
        # the first poll REFRESH_S later.
        self.paint()
        self.set_interval(REFRESH_S, self.action_refresh)

    async def started(self) -> None:
        """After login: load scenarios and trainees."""
        try:
            self.scenarios = {s.id: s for s in await self.services.api.list_scenarios()}
        except Exception as error:
            self.app.notify(self.t.t("Scenarios not loaded: {detail}", detail=clean(str(error), 200)),
                            severity="warning")
        await self.reload()

    # ---- data -------------------------------------------------------------------------------

    async def reload(self) -> None:
        """Fetch the trainees and repaint."""
        self.roster.update(await self.services.api.list_trainees())
        self.paint()

    def action_refresh(self) -> None:
        """Reload the trainee list (also every few seconds)."""
        self._spawn(self.reload(), "loading the trainees", quiet=True)

    def _spawn(self, work: Any, what: str, *, quiet: bool = False) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception as error:
                if quiet:
                    log.info("%s failed: %s", what, error)
                    return
                self.app.notify(self.t.t("Failed while {what}: {detail}", what=self.t.t(what),
                                         detail=clean(str(error) or type(error).__name__, 200)),
                                severity="error", timeout=8)

        self.run_worker(guarded(), exit_on_error=False)

    def handle_live_event(self, event: Event) -> None:
        """A `training` event: a trainee's progress or result, or a desk entering or leaving training."""
        if event.kind != EventKind.TRAINING:
            return
        data = event.data
        if data.get("type") == "presence":
            self.action_refresh()
            return
        row = self.roster.progress(data)
        if row is None:
            return
        step = data.get("step")
        if data.get("kind") == "step" and isinstance(step, str) and row.caller is not None:
            row.caller.send({"cmd": "step", "step": step})
        if data.get("type") == "result":
            source = ("{trainee} did not answer: scored {score}." if row.call == "unanswered"
                      else "{trainee} scored {score}.")
            self._status(self.t.t(source, trainee=row.username, score=row.score))
        self.paint()

    def caller_event(self, username: str, attempt_id: str, event: CallerEvent) -> None:
        """An event of the simulated caller running for `username`."""
        row = self.roster.rows.get(username)
        if row is None or row.attempt_id != attempt_id:
            return
        kind = event.get("event")
        if kind == "dialing":
            row.caller_dialing()
        elif kind == "answered":
            row.caller_answered()
            # "Calling agent02 at sip:…" stayed up through the whole call.
            self._status(self.t.t("{trainee} answered.", trainee=username))
        elif kind == "caption":
            text = clean(str(event.get("text", "")), 600)
            row.caption = text
            self._spawn(self.services.api.command(username, "training_caption",
                                                  {"text": text, "attempt": attempt_id,
                                                   "line": clean(str(event.get("line", "")), 64)}),
                        "sending a caption", quiet=True)
        elif kind == "takeover":
            row.taken_over = bool(event.get("on"))
        elif kind == "trainer_phone":
            self._trainer_phone(username, str(event.get("state", "")))
        elif kind == "ended":
            if row.call_ended():
                self._status(self.t.t("{trainee} did not answer: the call rang out unanswered.",
                                      trainee=username))
        elif kind == "exited":
            row.caller_exited()
        self.paint()

    # ---- painting ---------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        """A thinner or wider terminal: the columns that fit it."""
        self._fit_to(event.size.width)

    def on_screen_resume(self) -> None:
        """Back from a panel: the terminal may have changed size meanwhile."""
        self._fit_to(self.app.size.width)

    def _fit_to(self, width: int) -> None:
        if self._ready and layout_for(width) != self.layout_now:
            self._lay_out(width)
            self.paint()

    def _lay_out(self, width: int) -> None:
        self.layout_now = layout_for(width)
        table = self.query_one("#trainees", DataTable)
        table.clear(columns=True)
        for column in self.layout_now.columns:
            table.add_column(self.t.t(column.label), key=column.key, width=column.width)
        self.query_one("#caller-line", Static).set_class(self.layout_now.line_below, "-shown")

    def _status(self, text: str) -> None:
        if self._ready:
            self.query_one("#console-status", Static).update(text)

    def paint(self) -> None:
        """Redraw the trainee table from the roster (the cursor stays on its trainee)."""
        if not self._ready:
            return
        table = self.query_one("#trainees", DataTable)
        current = self.highlighted()
        table.clear()
        t = self.t.t
        for row in self.roster.rows.values():
            cells = self._cells(row)
            table.add_row(*[cells[key] for key in self.layout_now.keys], key=row.username)
        if current is not None and current in self.roster.rows:
            table.move_cursor(row=list(self.roster.rows).index(current))
        self._paint_caller_line()
        if not self.roster.rows:
            self._status(t("Waiting for trainees in training status…"))
        elif not any(row.call for row in self.roster.rows.values()):
            self._status(t("{count} trainee(s) ready. F2 launches a scenario.", count=len(self.roster.rows)))

    def _cells(self, row: TraineeRow) -> dict[str, str | Text]:
        """Every cell of `row` by column key (the layout picks the ones it shows)."""
        t = self.t.t
        trainee = row.trainee
        state = t(STATE_LABELS.get(trainee.state, trainee.state))
        summary = self.scenarios.get(row.scenario_id)
        title = row.scenario_title or (self.t.pick(summary.title) if summary else row.scenario_id)
        call = t(CALL_LABELS.get(row.call, row.call)) if row.call else ""
        if row.taken_over:
            call = t("you speak")
        fields = f"{row.filled}/{row.total}" if row.total else ""
        step = clean(row.step, 40)
        if self.layout_now.step_with_fields and fields:
            # The step's end gives way to the count: how much is filled matters more than the step's name.
            step = fit(step, max(self.layout_now.width_of("step") - len(fields) - 1, 0)) + " " + fields
        return {
            "trainee": Text(("•" if row.marked else " ") + clean(trainee.username, 32)),
            "state": Text(fit(state, 9)),
            "scenario": Text(clean(title, 60)),
            "call": Text(call),
            "step": Text(step),
            "fields": fields,
            "score": Text(row.score),
            "line": Text(clean(row.caption, 200)),
        }

    def _paint_caller_line(self) -> None:
        """On a thin terminal: what the highlighted trainee's caller said last, under the table."""
        if not self.layout_now.line_below:
            return
        row = self.roster.rows.get(self.highlighted() or "")
        text = ""
        if row is not None and row.caption:
            text = self.t.t("{trainee}'s caller: {line}", trainee=row.username, line=clean(row.caption, 200))
        self.query_one("#caller-line", Static).update(text)

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        """The line under the table follows the highlighted trainee."""
        self._paint_caller_line()

    def highlighted(self) -> str | None:
        """The user name under the cursor (rows are drawn in roster order)."""
        table = self.query_one("#trainees", DataTable)
        names = list(self.roster.rows)
        index = table.cursor_row
        return names[index] if table.row_count and 0 <= index < len(names) else None

    def _current_row(self) -> TraineeRow | None:
        username = self.highlighted()
        row = self.roster.rows.get(username) if username else None
        if row is None:
            self.app.notify(self.t.t("No trainee selected."), timeout=2)
        return row

    # ---- actions ----------------------------------------------------------------------------

    def action_mark(self) -> None:
        """Mark or unmark the highlighted trainee for a launch."""
        row = self._current_row()
        if row is not None:
            row.marked = not row.marked
            self.paint()

    def action_launch(self) -> None:
        """Pick a scenario and launch it to the marked trainees (or the highlighted one)."""
        from agent_tui.ui.train.scenario_pick import ScenarioPickScreen

        rows = self.roster.marked() or [r for r in [self._current_row()] if r is not None]
        if not rows:
            return

        def chosen(scenario_id: str | None) -> None:
            if scenario_id:
                for row in rows:
                    self.launch(row, scenario_id)

        names = ", ".join(row.username for row in rows)
        heading = self.t.t("Launch a scenario to {names}", names=names)
        self.app.push_screen(ScenarioPickScreen(list(self.scenarios.values()), heading), chosen)

    def launch(self, row: TraineeRow, scenario_id: str) -> None:
        """Launch `scenario_id` to one trainee: tell the desk, then ring it."""
        target = row.trainee.sip_uri
        if not target:
            self.app.notify(self.t.t("{trainee} has not announced a SIP address yet.", trainee=row.username),
                            severity="warning")
            return
        if row.busy:
            self.app.notify(self.t.t("A scenario is still running for {trainee}.", trainee=row.username),
                            severity="warning")
            return
        summary = self.scenarios.get(scenario_id)
        title = self.t.pick(summary.title) if summary else scenario_id
        attempt = uuid.uuid4().hex[:16]
        row.start(scenario_id, title, attempt)
        row.marked = False
        self.paint()
        self._spawn(self._launch(row, scenario_id, target, attempt), "launching the scenario")

    async def _launch(self, row: TraineeRow, scenario_id: str, target: str, attempt: str) -> None:
        try:
            await self._start_caller(row, scenario_id, target, attempt)
        except Exception:
            row.launch_failed(attempt)
            self.paint()
            raise

    async def _start_caller(self, row: TraineeRow, scenario_id: str, target: str, attempt: str) -> None:
        await self.services.api.command(row.username, "training_launch",
                                        {"scenario": scenario_id, "attempt": attempt})
        scenario: Scenario | None = None
        try:
            scenario = await self.services.api.get_scenario(scenario_id)
        except Exception as error:  # the caller plays the shipped copy
            log.info("scenario %s from the backend unavailable: %s", scenario_id, error)
        row.caller = await self.services.launcher.start(
            scenario_id, target, attempt, partial(self.caller_event, row.username, attempt), scenario)
        self._status(self.t.t("Calling {trainee} at {target}…", trainee=row.username,
                              target=clean(target, 80)))
        self.paint()

    def _trainer_phone(self, username: str, state: str) -> None:
        """Say what the trainer's own softphone does during a takeover."""
        sources = {"ringing": "Your softphone rings: answer it to speak to {trainee} as the customer.",
                   "joined": "You are on the call with {trainee}.",
                   "ended": "Your softphone left the call with {trainee}."}
        if state in sources:
            self._status(self.t.t(sources[state], trainee=username))

    def _running_row(self) -> TraineeRow | None:
        row = self._current_row()
        if row is not None and (row.caller is None or not row.caller.running):
            self.app.notify(self.t.t("No simulated call runs for {trainee}.", trainee=row.username),
                            timeout=3)
            return None
        return row

    def action_hint(self) -> None:
        """Send a text hint to the highlighted trainee's desk."""
        from agent_tui.ui.train.hint_screen import HintScreen

        row = self._current_row()
        if row is None:
            return
        username, attempt = row.username, row.attempt_id

        def send(text: str | None) -> None:
            if text:
                self._spawn(self.services.api.command(username, "training_hint",
                                                      {"text": clean(text, 300), "attempt": attempt}),
                            "sending the hint")
                self._status(self.t.t("Hint sent to {trainee}.", trainee=username))

        self.app.push_screen(HintScreen(username), send)

    def action_takeover(self) -> None:
        """Take over the customer's role (the simulated caller falls silent), or hand it back."""
        row = self._running_row()
        if row is None or row.caller is None:
            return
        row.taken_over = not row.taken_over
        row.caller.send({"cmd": "takeover" if row.taken_over else "release"})
        command = "training_takeover" if row.taken_over else "training_release"
        self._spawn(self.services.api.command(row.username, command, {"attempt": row.attempt_id}),
                    "telling the desk", quiet=True)
        self._status(self.t.t("You speak as the customer now (your softphone).") if row.taken_over
                     else self.t.t("The simulated caller speaks again."))
        self.paint()

    def action_next(self) -> None:
        """The caller answers the question just asked (its next `next` line)."""
        row = self._running_row()
        if row is not None and row.caller is not None:
            row.caller.send({"cmd": "next"})

    def action_stop(self) -> None:
        """Hang up the simulated call."""
        row = self._running_row()
        if row is None or row.caller is None:
            return
        row.caller.send({"cmd": "hangup"})
        self._spawn(self.services.api.command(row.username, "training_stop", {"attempt": row.attempt_id}),
                    "telling the desk", quiet=True)

    def action_results(self) -> None:
        """The highlighted trainee's attempts, newest first; Enter shows a score card."""
        from agent_tui.ui.train.history_screen import HistoryScreen

        row = self._current_row()
        if row is not None:
            self.app.push_screen(HistoryScreen(self.services.api, row.username, self.scenarios,
                                               recordings=self.services.recordings))

    def action_model_calls(self) -> None:
        """The library of model calls."""
        from agent_tui.ui.train.model_calls_screen import ModelCallsScreen

        if self.services.recordings is None:
            self._status(self.t.t("Model calls need the backend."))
            return
        self.app.push_screen(ModelCallsScreen(self.services.recordings))

    async def stop_callers(self) -> None:
        """End every simulated caller started here."""
        for row in self.roster.rows.values():
            if row.caller is not None:
                caller, row.caller = row.caller, None
                await caller.stop()
