"""Training (培训): scenarios for role-play calls, attempts at them and their score cards.

A scenario is a simulated customer with a background, a mood and a reason to call: who calls (a
training customer record), what they say and when (cued by what the trainee does), and what a good
agent captures (the expected outcome, with tolerances). Scenarios are data in `scenarios/*.toml`; the
backend serves them and stores the score cards of attempts.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from agent_tui.domain.base import JsonScalar, LocalizedText, Model, ShortText
from agent_tui.domain.customer import PHONE_PATTERN, CustomerFields
from agent_tui.domain.expectation import FieldExpectation
from agent_tui.domain.ticket import TicketCreate, TicketType
from agent_tui.domain.training_names import TRAINING_COMMANDS as TRAINING_COMMANDS
from agent_tui.domain.training_names import TRAINING_REASON as TRAINING_REASON
from agent_tui.domain.training_names import ProgressKind as ProgressKind

ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]*$"
STEP_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
DTMF_DIGITS = "0123456789*#ABCD"


class Mood(StrEnum):
    """How the caller feels; it sets the tone of the lines and the speed and pitch of the voice."""

    CALM = "calm"
    WORRIED = "worried"
    CONFUSED = "confused"
    IMPATIENT = "impatient"
    ANGRY = "angry"
    PANICKED = "panicked"


class Business(StrEnum):
    """Why the customer calls; each value is the id of the shipped screen that handles it."""

    REPAIR = "repair"
    COMPLAINT = "complaint"
    CONSULTATION = "consultation"
    SUGGESTION = "suggestion"
    APPLICATION = "application"
    STATUS_QUERY = "status_query"


class Difficulty(StrEnum):
    """How hard the scenario is for a new agent."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class Cue(StrEnum):
    """What makes the simulated caller say a line."""

    ANSWER = "answer"
    """The trainee answered the call (lines in file order)."""
    STEP = "step"
    """The trainee's script reached step `step` for the first time."""
    DTMF = "dtmf"
    """The trainee sent DTMF digit `digit`."""
    SILENCE = "silence"
    """Nobody did anything for `after_s` seconds since the last line or action."""
    NEXT = "next"
    """The trainee (or trainer) pressed "next": the caller answers the question just asked."""


class CallerProfile(CustomerFields):
    """The training customer who calls: a customer record, as the screen pop will find it."""


class CallSetup(Model):
    """How the simulated call arrives: the number it comes from and the headers an IVR would set."""

    number: str | None = Field(default=None, pattern=PHONE_PATTERN,
                               description="Calling number; default: the caller's first phone.")
    display: ShortText = Field(default="", description="Display name; default: the caller's name.")
    queue: ShortText = Field(default="", description="X-Queue header, the IVR queue the call came through.")
    headers: dict[str, str] = Field(default_factory=dict, description="Further `X-` headers for the INVITE.")

    @field_validator("headers")
    @classmethod
    def _only_x_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not re.fullmatch(r"X-[A-Za-z0-9\-]{1,60}", name):
                raise ValueError(f"header {name!r}: only `X-` headers may be set")
        return value


class Line(Model):
    """One thing the caller says, and the cue that makes them say it."""

    id: str = Field(pattern=STEP_ID_PATTERN)
    cue: Cue
    text: str = Field(min_length=1, max_length=2000)
    step: str | None = Field(default=None, pattern=STEP_ID_PATTERN, description="cue = step: which step.")
    digit: str | None = Field(default=None, description="cue = dtmf: which digit.")
    after_s: float | None = Field(default=None, gt=0, le=600, description="cue = silence: seconds.")
    repeat: bool = Field(default=False, description="Silence lines: say it again after each silence.")
    hangup: bool = Field(default=False, description="The caller hangs up after this line.")
    mood: Mood | None = Field(default=None, description="This line's mood, when not the caller's.")

    @model_validator(mode="after")
    def _cue_parameters(self) -> Line:
        wanted = {Cue.STEP: "step", Cue.DTMF: "digit", Cue.SILENCE: "after_s"}
        needed = wanted.get(self.cue)
        if needed is not None and getattr(self, needed) is None:
            raise ValueError(f"a line with cue = \"{self.cue.value}\" needs `{needed}`")
        for cue, name in wanted.items():
            if cue != self.cue and getattr(self, name) is not None:
                raise ValueError(f"`{name}` only goes with cue = \"{cue.value}\"")
        if self.digit is not None and (len(self.digit) != 1 or self.digit not in DTMF_DIGITS):
            raise ValueError(f"digit must be one of {DTMF_DIGITS}")
        if self.repeat and self.cue != Cue.SILENCE:
            raise ValueError("only silence lines repeat")
        return self


class ExpectedOutcome(Model):
    """What a good agent captures: the screen, whether an order is filed and what it holds."""

    screen: str | None = Field(default=None, pattern=STEP_ID_PATTERN,
                               description="Screen id; default: the scenario's business.")
    end_step: str | None = Field(default=None, pattern=STEP_ID_PATTERN,
                                 description="The end step the script must reach; default: any end step.")
    ticket_type: TicketType | None = Field(default=None, description="The work order filed; none: no order.")
    fields: dict[str, FieldExpectation] = Field(default_factory=dict)
    priority: int | None = Field(default=None, ge=1, le=5, description="The order's priority (1 = urgent).")
    escalate: bool = Field(default=False, description="The agent must escalate (urgent order or escalation).")


class TimeTargets(Model):
    """Time and call-control targets."""

    handling_s: int = Field(default=300, gt=0, le=7200, description="Talk + hold time to fit in.")
    max_hold_s: int = Field(default=60, ge=0, le=3600, description="Longest total hold that costs nothing.")
    max_transfers: int = Field(default=0, ge=0, le=5, description="Transfers that cost nothing.")
    min_readback_s: float = Field(default=5, ge=0, le=600,
                                  description="A read-back shorter than this was not read to the caller.")


class ScenarioSummary(Model):
    """A scenario as listed by `GET /v1/training/scenarios`."""

    id: str = Field(pattern=ID_PATTERN, max_length=64)
    version: int = Field(default=1, ge=1)
    language: str = Field(pattern=r"^(en|zh)$")
    title: LocalizedText
    summary: LocalizedText = ""
    business: Business
    mood: Mood = Mood.CALM
    difficulty: Difficulty = Difficulty.MEDIUM
    tags: list[str] = Field(default_factory=list)


class Scenario(ScenarioSummary):
    """A whole scenario: the caller, the call, the lines, the expected outcome and the targets."""

    caller: CallerProfile
    call: CallSetup = Field(default_factory=CallSetup)
    lines: list[Line] = Field(min_length=1)
    expected: ExpectedOutcome = Field(default_factory=ExpectedOutcome)
    targets: TimeTargets = Field(default_factory=TimeTargets)
    required_steps: list[str] = Field(default_factory=list, description="Step ids the route must pass.")
    pass_mark: int = Field(default=80, ge=0, le=100)

    @model_validator(mode="after")
    def _unique_lines(self) -> Scenario:
        ids = [line.id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise ValueError("line ids must be unique")
        return self

    @property
    def screen_id(self) -> str:
        """The screen the trainee should end up using."""
        return self.expected.screen or self.business.value

    @property
    def number(self) -> str:
        """The number the simulated call comes from."""
        return self.call.number or (self.caller.phones[0] if self.caller.phones else "95598000")

    @property
    def display(self) -> str:
        """The display name on the simulated call."""
        return self.call.display or self.caller.name

    def summary_view(self) -> ScenarioSummary:
        """The listing form of this scenario."""
        return ScenarioSummary.model_validate(self.model_dump(include=set(ScenarioSummary.model_fields)))


class Attempt(Model):
    """What a trainee did on one training call: the input of scoring.

    Built from the finished form run (`agent_tui.training.scoring.attempt_from_run`), the call's
    timings and the transfers made. `answers` are the answers on the route taken.
    """

    scenario_id: str = Field(pattern=ID_PATTERN, max_length=64)
    screen_id: str | None = None
    visited: list[str] = Field(default_factory=list, description="Steps shown, in order of first visit.")
    route: list[str] = Field(default_factory=list, description="Steps from the first to the last, as walked.")
    readback_done: bool = False
    step_seconds: dict[str, float] = Field(
        default_factory=dict, description="Seconds spent on each step; empty when not measured."
    )
    completed: bool = False
    end_step: str | None = None
    answers: dict[str, JsonScalar] = Field(default_factory=dict)
    ticket: TicketCreate | None = None
    escalated: bool = Field(default=False, description="Escalated explicitly (besides an urgent order).")
    talk_s: float = Field(default=0.0, ge=0)
    hold_s: float = Field(default=0.0, ge=0)
    holds: int = Field(default=0, ge=0)
    transfers: int = Field(default=0, ge=0)
    answered: bool = Field(default=True, description="False: the call rang out or was stopped unanswered.")


class ScoreLine(Model):
    """One item of a score card: an English source text with its parameters, and its points."""

    key: str = Field(description="Stable id of the item: `outcome`, `field:address`, `step:readback`...")
    text: str = Field(description="English source text; `{name}` holes are filled from params.")
    params: dict[str, str | int | float] = Field(default_factory=dict)
    terms: dict[str, str] = Field(
        default_factory=dict,
        description="Params holding a code, by vocabulary (`type` → `ticket_type`: `repair`...): the card "
        "names them in the language it is shown in, so the stored card stays language-free.")
    names: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Params naming something of the scenario's screen (a field, a choice, a step) in each "
        "shipped language: the card shows the one of its own language; `params` holds the scenario's.")
    points: int = Field(ge=0)
    possible: int = Field(ge=0)

    @property
    def ok(self) -> bool:
        """Whether the item earned everything it could."""
        return self.points >= self.possible


class ScoreCard(Model):
    """The result of one attempt: a total out of 100, the items, and whether it passed."""

    scenario_id: str
    total: int = Field(ge=0, le=100)
    possible: int = 100
    passed: bool
    lines: list[ScoreLine]
    pass_mark: int | None = Field(default=None, ge=0, le=100,
                                  description="The total needed to pass; None on cards stored before it.")

    @property
    def missed(self) -> list[ScoreLine]:
        """The items that lost points, in card order: what the trainee missed."""
        return [line for line in self.lines if not line.ok]


# --- trainer mode on the wire: trainees, commands, progress, stored attempts ---------------------------

class TraineePresence(Model):
    """Body of `PUT /v1/training/presence`: a desk in training status says where its softphone answers.

    `sip_uri` is what a simulated caller dials: the registered address of record when the desk uses a
    registrar, else the desk's own listening address (`sip:user@host:port`).
    """

    sip_uri: str = Field(pattern=r"^sips?:[^\s<>\"]{1,250}$", max_length=256)


class Trainee(Model):
    """An agent in training status, as the trainer's console lists them."""

    username: str
    display_name: str
    extension: str | None = None
    state: str = Field(description="The agent state name (not_ready while waiting, on_call in a call...).")
    reason: str | None = None
    sip_uri: str | None = Field(default=None, description="Announced by the desk; none: not announced.")
    since: datetime | None = Field(default=None, description="When the desk announced itself.")


class TrainingProgress(Model):
    """Body of `POST /v1/training/progress`; relayed to trainers as a `training` event."""

    attempt_id: str = Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    scenario_id: str = Field(pattern=ID_PATTERN, max_length=64)
    kind: ProgressKind
    step: str | None = Field(default=None, pattern=STEP_ID_PATTERN, max_length=64)
    filled: int = Field(default=0, ge=0)
    total: int = Field(default=0, ge=0)
    detail: ShortText = ""
    self_practice: bool = False


class TranscriptLine(Model):
    """One caller line of a training call, with its time from the start of the call."""

    at_s: float = Field(ge=0, le=86_400, description="Seconds from the start of the call.")
    text: str = Field(min_length=1, max_length=2000)

    def clock(self) -> str:
        """The time as `mm:ss` (minutes go past 59 on long calls)."""
        whole = int(self.at_s)
        return f"{whole // 60:02d}:{whole % 60:02d}"


class AttemptCreate(Model):
    """Body of `POST /v1/training/attempts`: the score card of one finished attempt and what led to it."""

    attempt_id: str = Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    scenario_id: str = Field(pattern=ID_PATTERN, max_length=64)
    trainee: str | None = Field(default=None, max_length=64, description="Default: the user posting it.")
    launched_by: str | None = Field(default=None, max_length=64,
                                    description="The trainer; none: self-practice.")
    card: ScoreCard
    attempt: Attempt | None = None
    transcript: list[str] = Field(default_factory=list, max_length=200,
                                  description="The caller's lines as said, for review.")
    caller_lines: list[TranscriptLine] = Field(
        default_factory=list, max_length=200,
        description="The caller's lines with their time from the start of the call (the review transcript).")
    recording: str | None = Field(default=None, max_length=128,
                                  description="The call id of the training call's recording, when recorded.")


class AttemptRecord(AttemptCreate):
    """A stored attempt, as `GET /v1/training/attempts` lists it (newest first)."""

    id: int
    trainee: str
    at: datetime


# --- review: the library of model calls -----------------------------------------------------------------


class ModelCallInput(Model):
    """Body of `PUT /v1/recordings/{call_id}/model`: mark a recording as a model call for trainees."""

    title: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=2000, description="What to listen for.")


class ModelCall(ModelCallInput):
    """A recording a supervisor or trainer marked as an example, as `GET /v1/model-calls` lists it."""

    call_id: str
    agent: str | None = None
    duration_s: float = Field(default=0.0, ge=0)
    started_at: datetime | None = None
    training: bool = Field(default=False, description="A training call's recording (a trainee's good call).")
    marked_by: str
    marked_at: datetime
