"""A training call on the desk, as data: the scenario, the attempt, the caller's lines, the time spent on
each step of the form, the card at the end; and the rules that make a training call's records (a
training order tied to no customer; the scenario's caller shown as a customer that is in no backend).

The desk's training controller (ui/desk/training.py) keeps these and draws them; nothing here draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agent_tui.domain.base import utc_now
from agent_tui.domain.customer import Customer
from agent_tui.domain.ticket import TicketCreate
from agent_tui.forms.runner import FormRun
from agent_tui.training.caller_process import CallerHandle

if TYPE_CHECKING:
    # The desk imports this module at start; the training models wait for a training call.
    from agent_tui.domain.training import Scenario, ScoreCard, TranscriptLine

ATTEMPT_HEADER = "X-Training-Attempt"
CAPTIONS_KEPT = 50


def training_ticket(ticket: TicketCreate) -> TicketCreate:
    """A training call's order: marked training, tied to no real customer."""
    return ticket.model_copy(update={"training": True, "customer_id": None})


def scenario_customer(scenario: Scenario) -> Customer:
    """The scenario's caller as the customer card shows it (id 0: a training record, not in the backend)."""
    now = utc_now()
    return Customer(id=0, created_at=now, updated_at=now,
                    **scenario.caller.model_dump(include=set(type(scenario.caller).model_fields)))


def local_scenarios() -> dict[str, Scenario]:
    """The shipped scenarios (used when the backend has none or cannot be reached)."""
    from agent_tui.training.scenario import bundled_scenarios_dir, load_scenarios

    return load_scenarios(bundled_scenarios_dir()).by_id()


@dataclass
class Launch:
    """A trainer announced a scenario for this desk; its call is on the way."""

    scenario_id: str
    attempt_id: str
    by: str | None


@dataclass
class TrainingCall:
    """One training call on this desk, from the launch (or the ring) to the score card."""

    scenario_id: str
    attempt_id: str
    launched_by: str | None = None
    self_practice: bool = False
    call_id: str | None = None
    scenario: Scenario | None = None
    captions: list[str] = field(default_factory=list)
    caller_lines: list[TranscriptLine] = field(default_factory=list)
    """The caller's lines with their time from the answer (the review transcript)."""
    answered_at: float | None = None
    """`time.monotonic()` at the answer; lines said before it count from 0."""
    hint: str = ""
    taken_over: bool = False
    status: str = ""
    run: FormRun | None = None
    caller: CallerHandle | None = None
    card: ScoreCard | None = None
    caller_hung_up: bool = False
    """The simulated caller reported the end of its call (`ended`); its process then exits normally."""
    step_seconds: dict[str, float] = field(default_factory=dict)
    _step: str | None = None
    _step_since: float = 0.0
    _filled: int = -1

    def mark_step(self, step: str | None, now: float) -> bool:
        """The form shows `step` now; true when it is a new step (time on the last one is counted)."""
        if step == self._step:
            return False
        self.close_step(now)
        self._step, self._step_since = step, now
        return True

    def close_step(self, now: float) -> None:
        """Count the time spent on the current step."""
        if self._step is not None:
            spent = max(0.0, now - self._step_since)
            self.step_seconds[self._step] = self.step_seconds.get(self._step, 0.0) + spent
            self._step_since = now

    def caller_event(self, kind: object) -> bool:
        """Note an event of the self-practice caller's process; true when the process ended (`exited`)
        without ending the call it rang: it crashed or was killed, nothing will ever hang that call up, so
        the desk must (else the trainee sits in a silent call and never gets the score card)."""
        if kind == "ended":
            self.caller_hung_up = True
        return kind == "exited" and not self.caller_hung_up and self.call_id is not None

    def mark_filled(self, filled: int) -> bool:
        """True when the number of filled fields changed."""
        changed = filled != self._filled
        self._filled = filled
        return changed
