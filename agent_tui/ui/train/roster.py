"""The console's model of its trainees: who is in training status, what runs for each, how far they got.

Plain Python (no widgets), fed by the trainee list, the simulated callers' events and the trainees'
progress events, so tests check it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent_tui.domain.training import ProgressKind, Trainee
from agent_tui.training.caller_process import CallerHandle
from agent_tui.ui.common.text import clean


@dataclass
class TraineeRow:
    """One trainee and the scenario running for them."""

    trainee: Trainee
    marked: bool = False
    scenario_id: str = ""
    scenario_title: str = ""
    attempt_id: str = ""
    call: str = ""
    """launching / dialing / answered / ended / unanswered / failed (empty: nothing runs)."""
    step: str = ""
    filled: int = 0
    total: int = 0
    caption: str = ""
    score: str = ""
    taken_over: bool = False
    self_practice: bool = False
    caller: CallerHandle | None = None
    steps: list[str] = field(default_factory=list)

    @property
    def username(self) -> str:
        """The trainee's user name."""
        return self.trainee.username

    @property
    def busy(self) -> bool:
        """A scenario is being launched (the desk told, the caller not started yet) or its caller runs: a
        second launch now would ring the trainee twice and leave the first caller unowned."""
        return self.call == "launching" or (self.caller is not None and self.caller.running)

    def launch_failed(self, attempt_id: str) -> None:
        """The launch of `attempt_id` failed before its caller started: the trainee can be launched again."""
        if self.attempt_id == attempt_id and self.call == "launching":
            self.call = "failed"

    def caller_dialing(self) -> None:
        """The simulated caller dials the trainee's desk."""
        self.call = "dialing"

    def caller_answered(self) -> None:
        """The trainee answered the simulated call."""
        self.call = "answered"

    def call_ended(self) -> bool:
        """The simulated call ended (the caller or the desk says so; both do); answers whether it just
        turned out unanswered (it rang out at the desk's ring timeout, or was cancelled while ringing):
        the trainer is told once, not shown a bare "ended"."""
        if self.call == "unanswered":
            return False
        unanswered = self.call in ("launching", "dialing", "ringing")
        self.call = "unanswered" if unanswered else "ended"
        return unanswered

    def caller_exited(self) -> None:
        """The caller process is gone; without a call that got anywhere, the launch failed."""
        if self.call not in ("ended", "answered", "unanswered"):
            self.call = "failed"
        self.caller = None

    def start(self, scenario_id: str, title: str, attempt_id: str) -> None:
        """A new attempt starts: forget the last one's progress."""
        self.scenario_id, self.scenario_title, self.attempt_id = scenario_id, title, attempt_id
        self.call, self.step, self.filled, self.total = "launching", "", 0, 0
        self.caption, self.score, self.taken_over, self.self_practice = "", "", False, False
        self.steps = []


class Roster:
    """Trainees by user name, in list order."""

    def __init__(self) -> None:
        self.rows: dict[str, TraineeRow] = {}

    def update(self, trainees: list[Trainee]) -> None:
        """Take a fresh trainee list; rows with something running stay even when they left the list."""
        fresh = {t.username: t for t in trainees}
        for username in list(self.rows):
            row = self.rows[username]
            # A failed launch or call is over too: its row went on showing a trainee who had left training.
            if username not in fresh and row.caller is None and row.call in ("", "ended", "failed"):
                del self.rows[username]
        for username, trainee in fresh.items():
            known = self.rows.get(username)
            if known is None:
                self.rows[username] = TraineeRow(trainee)
            else:
                known.trainee = trainee

    def row_for_attempt(self, attempt_id: str) -> TraineeRow | None:
        """The row running `attempt_id`."""
        return next((row for row in self.rows.values() if attempt_id and row.attempt_id == attempt_id), None)

    def marked(self) -> list[TraineeRow]:
        """The rows marked for a launch."""
        return [row for row in self.rows.values() if row.marked]

    def progress(self, data: dict[str, Any]) -> TraineeRow | None:
        """Apply a `training` event from the backend (`type` progress or result); answers the row changed."""
        row = self.rows.get(str(data.get("trainee", "")))
        if row is None:
            return None
        attempt = str(data.get("attempt_id", ""))
        if data.get("type") == "result":
            if attempt == row.attempt_id or not row.attempt_id:
                row.score = f"{data.get('total', '-')} {'✓' if data.get('passed') else '✗'}"
            return row
        if data.get("type") != "progress":
            return None
        if attempt != row.attempt_id:
            if not data.get("self_practice"):
                return None
            # A trainee practising alone: follow it too.
            scenario_id = clean(data.get("scenario_id", ""), 64)
            row.start(scenario_id, "", attempt)  # no title in the event: the console looks it up
            row.self_practice = True
        kind = data.get("kind")
        step = data.get("step")
        if isinstance(step, str) and step:
            row.step = clean(step, 40)
            if step not in row.steps:
                row.steps.append(step)
        if kind == ProgressKind.CALL.value:
            row.call = clean(data.get("detail", ""), 20)
        elif kind == ProgressKind.FIELDS.value:
            row.filled, row.total = int(data.get("filled", 0)), int(data.get("total", 0))
        elif kind == ProgressKind.CAPTION.value:
            row.caption = clean(data.get("detail", ""), 200)
        elif kind == ProgressKind.FINISHED.value:
            row.call_ended()
            if not row.score:  # the backend's result (with the pass mark) may have come first: keep it
                row.score = clean(data.get("detail", ""), 20)
        return row
