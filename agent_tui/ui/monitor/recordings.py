"""Recordings: search by date range, agent, queue, customer, call id and duration; play, export, score.

| key | id | action |
|---|---|---|
| f2 | recordings.search | search |
| f3 | recordings.play | play the selected recording |
| f4 | recordings.export | export it to a WAV file |
| f5 | recordings.qa | QA-score the call |
| f6 | recordings.model | mark it as a model call for trainees (title and note) |
| escape | recordings.back | back to the wallboard |
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from agent_tui.domain.recordings import Recording
from agent_tui.sync.supervision import RecordingQuery
from agent_tui.ui.common.bindings import localize_bindings
from agent_tui.ui.common.context import tr
from agent_tui.ui.common.text import clean, duration
from agent_tui.ui.monitor.dates import BadDate, day_start, export_folder, parse_day, safe_name
from agent_tui.ui.monitor.options import MonitorOptions
from agent_tui.ui.monitor.qa import QaScreen
from agent_tui.ui.monitor.services import RecordingPlayer, SupervisorApi

FIELDS = (
    ("from", "From (YYYY-MM-DD)"), ("to", "To (YYYY-MM-DD)"), ("agent", "Agent"), ("queue", "Queue"),
    ("customer", "Customer id or number"), ("call", "Call id"), ("min", "Min. seconds"),
    ("max", "Max. seconds"),
)


class RecordingsScreen(Screen[None]):
    """Search and use call recordings."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "search", "Search", id="recordings.search"),
        Binding("f3", "play", "Play", id="recordings.play"),
        Binding("f4", "export", "Export", id="recordings.export"),
        Binding("f5", "qa", "QA score", id="recordings.qa"),
        Binding("f6", "model_call", "Model call", id="recordings.model"),
        Binding("escape", "back", "Back", id="recordings.back"),
    ]
    DEFAULT_CSS = """
    RecordingsScreen #rec-title { text-style: bold reverse; padding: 0 1; }
    RecordingsScreen #rec-form { grid-size: 4; grid-gutter: 0 1; height: auto; }
    RecordingsScreen #rec-form Input { width: 1fr; }
    RecordingsScreen #rec-table { height: 1fr; }
    RecordingsScreen #rec-status { height: auto; }
    """

    def __init__(self, api: SupervisorApi, options: MonitorOptions, player: RecordingPlayer | None) -> None:
        super().__init__(id="recordings")
        self.api = api
        self.options = options
        self.player = player
        self.t = tr(self)
        self.found: dict[str, Recording] = {}
        self.exported: list[str] = []
        single = bool(getattr(getattr(self.app, "options", None), "single_key_shortcuts", True))
        localize_bindings(self, self.t, single_keys=single)

    def compose(self) -> ComposeResult:
        t = self.t.t
        yield Static(t("Recordings"), id="rec-title")
        with Grid(id="rec-form"):
            for key, label in FIELDS:
                yield Input(placeholder=t(label), id=f"rec-{key}", max_length=64)
        yield DataTable(id="rec-table", cursor_type="row")
        yield Static(t("f2 searches · f3 plays · f4 exports · f5 scores"), id="rec-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Columns; the newest recordings straight away."""
        t = self.t.t
        table = self.query_one("#rec-table", DataTable)
        for key, label, width in (("call", "Call id", 18), ("when", "Started", 16), ("agent", "Agent", 10),
                                  ("queue", "Queue", 14), ("number", "Number", 13), ("len", "Length", 7)):
            table.add_column(t(label), key=key, width=width)
        self.action_search()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        """Enter in any field searches."""
        self.action_search()

    def _value(self, key: str) -> str:
        return clean(self.query_one(f"#rec-{key}", Input).value, 64).strip()

    def query_from_form(self) -> RecordingQuery:
        """The filters typed (raises BadDate or ValueError on a bad one)."""
        first, last = parse_day(self._value("from")), parse_day(self._value("to"))
        start = day_start(first) if first else None
        end = day_start(last + timedelta(days=1)) if last is not None else None
        low, high = self._value("min"), self._value("max")
        return RecordingQuery(start=start, end=end, agent=self._value("agent") or None,
                              queue=self._value("queue") or None, customer=self._value("customer") or None,
                              call_id=self._value("call") or None,
                              min_duration_s=float(low) if low else None,
                              max_duration_s=float(high) if high else None)

    def _status(self, text: str) -> None:
        self.query_one("#rec-status", Static).update(text)

    def action_search(self) -> None:
        """Search with the filters typed."""
        t = self.t.t
        try:
            query = self.query_from_form()
        except BadDate as error:
            self._status(t("Not a date (YYYY-MM-DD): {value}", value=clean(str(error), 20)))
            return
        except ValueError:
            self._status(t("Durations are numbers of seconds."))
            return

        async def work() -> None:
            page = await self.api.recordings(query)
            self.show(page.items, page.total)

        self._spawn(work, "searching recordings")

    def show(self, items: list[Recording], total: int) -> None:
        """Fill the table."""
        table = self.query_one("#rec-table", DataTable)
        table.clear()
        self.found = {}
        for rec in items:
            self.found[rec.call_id] = rec
            when: datetime | None = rec.started_at or rec.uploaded_at
            table.add_row(Text(clean(rec.call_id, 40)),
                          Text(when.astimezone().strftime("%Y-%m-%d %H:%M") if when else ""),
                          Text(clean(rec.agent or "", 20)), Text(clean(rec.queue or "", 30)),
                          Text(clean(rec.number, 20)), Text(duration(rec.duration_s)), key=rec.call_id)
        self._status(self.t.t("{shown} of {total} recordings", shown=len(items), total=total))

    def selected(self) -> Recording | None:
        """The recording under the cursor."""
        table = self.query_one("#rec-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.found.get(str(key))

    def _spawn(self, work: object, what: str) -> None:
        spawn = getattr(self.app, "spawn", None)
        if spawn is not None:
            spawn(self, work, what)

    def action_export(self) -> None:
        """Download the selected recording into the export folder."""
        rec = self.selected()
        if rec is None:
            return

        async def work() -> None:
            target = export_folder(self.options.export_dir) / f"recording-{safe_name(rec.call_id)}.wav"
            path = await self.api.download_recording(rec.call_id, target)
            self.exported.append(str(path))
            self._status(self.t.t("Exported to {path}", path=str(path)))

        self._spawn(work, "exporting a recording")

    def action_play(self) -> None:
        """Play the selected recording through the phone's audio (exported first)."""
        rec = self.selected()
        if rec is None:
            return
        player = self.player

        async def work() -> None:
            target = export_folder(self.options.export_dir) / f"recording-{safe_name(rec.call_id)}.wav"
            path = await self.api.download_recording(rec.call_id, target)
            if player is None:
                self._status(self.t.t("No audio here: exported to {path}", path=str(path)))
                return
            player.play(path)
            self._status(self.t.t("Playing {call}", call=clean(rec.call_id, 40)))

        self._spawn(work, "playing a recording")

    def action_qa(self) -> None:
        """Score the selected call."""
        rec = self.selected()
        if rec is not None:
            self.app.push_screen(QaScreen(self.api, rec.call_id, rec.agent))

    def action_model_call(self) -> None:
        """Mark the selected recording as a model call (title and note)."""
        from agent_tui.ui.monitor.model_call import ModelCallMarker, ModelCallScreen

        rec = self.selected()
        if rec is None:
            return
        if not isinstance(self.api, ModelCallMarker):
            self._status(self.t.t("Model calls are not available here."))
            return

        def marked(result: object) -> None:
            if result is not None:
                self._status(self.t.t("Marked {call} as a model call.", call=clean(rec.call_id, 40)))

        self.app.push_screen(ModelCallScreen(self.api, rec.call_id, rec.agent), marked)

    def action_back(self) -> None:
        """Back to the wallboard."""
        self.dismiss(None)
