"""The desk's side of training calls: captions, hints, progress for the trainer, the score card at the end.

A training call is an ordinary SIP call whose INVITE carries `X-Training-Scenario` (and
`X-Training-Attempt`). It comes from a trainer's console (announced first by a `training_launch`
command) or from the desk itself (self-practice: the desk starts a simulated caller process dialing its
own SIP address). Either way the desk keeps it apart: the customer card comes from the scenario, the
order is filed with `training=True`, the call record is marked training and today's figures skip it.

While the call runs the desk reports the step reached and the fields filled (to the trainer through the
backend, and to its own caller process in self-practice); the caller's lines arrive as captions, kept
with their time from the answer for the review transcript. When the call ends the attempt is scored
(`agent_tui.training.score`), the card is shown and stored. When the desk records calls, the training
call's WAV is uploaded (marked training) once the phone closed it, and the attempt names it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any, Protocol

from agent_tui.desk.calls import SCENARIO_HEADER, CallSession, is_training_call
from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.customer import LookupMatch, LookupResult
from agent_tui.domain.training_names import TRAINING_REASON, ProgressKind
from agent_tui.forms.runner import FormRun
from agent_tui.training.caller_process import CallerEvent, CallerLauncher
from agent_tui.training.desk_call import (
    ATTEMPT_HEADER,
    CAPTIONS_KEPT,
    Launch,
    TrainingCall,
    local_scenarios,
    scenario_customer,
)
from agent_tui.ui.common.text import clean
from agent_tui.ui.train.api import TrainingBackend
from agent_tui.ui.train.review_api import RecordingUploader

if TYPE_CHECKING:
    from textual.app import App

    # The training models are imported where a training call first needs them (~2 MB a desk that
    # takes no training call does not need).
    from agent_tui.domain.training import Scenario, ScenarioSummary, ScoreCard
    from agent_tui.i18n import Translator
    from agent_tui.ui.common.options import DeskOptions
    from agent_tui.ui.desk.services import DeskServices


class TrainingHost(Protocol):
    """What the training controller needs of the desk: its translator, options, services, app and panel."""

    t: Translator
    options: DeskOptions
    services: DeskServices

    @property
    def app(self) -> App[Any]:
        """The running App (notices, score cards)."""

    def training_panel(self) -> Any:
        """The training panel widget, or None when the desk has none (closing)."""

log = logging.getLogger(__name__)

class DeskTraining:
    """The training controller of one desk; the desk screen calls it from its handlers (UI thread)."""

    def __init__(self, desk: TrainingHost, api: TrainingBackend | None, launcher: CallerLauncher | None,
                 sip_uri: str | None = None, public_address: str | None = None,
                 uploader: RecordingUploader | None = None) -> None:
        self.desk = desk
        self.api = api
        self.uploader = uploader
        """Uploads training calls' recordings (None: they stay on this machine only)."""
        self.training_call_ids: set[str] = set()
        """Every training call this desk rang with (their recordings are uploaded as training)."""
        self.uploaded: list[str] = []
        """Call ids of the training recordings uploaded so far."""
        self.launcher = launcher
        self.configured_uri = sip_uri
        """The registrar's address of record, when the desk registers (see `address.py`)."""
        self.public_address = public_address
        self.sip_uri: str | None = sip_uri
        self.in_training = False
        self.launches: dict[str, Launch] = {}
        self.calls: dict[str, TrainingCall] = {}
        """Training calls by call id."""
        self.pending: TrainingCall | None = None
        """A self-practice call dialing us, not yet rung."""
        self.current: TrainingCall | None = None
        """The training call the panel shows (running or just scored)."""
        self.cards: list[ScoreCard] = []
        self.stored = 0
        """Attempts stored in the backend so far."""
        self._scenarios: dict[str, Scenario] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    # ---- plumbing ---------------------------------------------------------------------------

    def _t(self, source: str, /, **params: object) -> str:
        return self.desk.t.t(source, **params)

    def _spawn(self, work: Any, what: str, *, quiet: bool = False) -> None:
        async def guarded() -> None:
            try:
                await work
            except Exception as error:
                log.warning("%s failed", what, exc_info=error)
                if not quiet:
                    self.desk.app.notify(self._t("Training: {what} failed: {detail}", what=self._t(what),
                                                 detail=clean(str(error) or type(error).__name__, 200)),
                                         severity="warning", timeout=6)

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _refresh(self) -> None:
        panel = self._panel()
        if panel is not None:
            panel.show_call(self.current, self.desk.t)

    def _panel(self) -> Any:
        return self.desk.training_panel()

    async def scenario(self, scenario_id: str) -> Scenario:
        """A scenario from the backend, else the shipped copy."""
        found = self._scenarios.get(scenario_id)
        if found is not None:
            return found
        scenario: Scenario | None = None
        if self.api is not None:
            try:
                scenario = await self.api.get_scenario(scenario_id)
            except Exception as error:
                log.info("scenario %s from the backend unavailable: %s", scenario_id, error)
        if scenario is None:
            scenario = local_scenarios().get(scenario_id)
        if scenario is None:
            raise LookupError(f"no scenario {scenario_id}")
        self._scenarios[scenario_id] = scenario
        return scenario

    async def summaries(self) -> list[ScenarioSummary]:
        """The scenarios to practise (the backend's, else the shipped ones)."""
        if self.api is not None:
            try:
                return await self.api.list_scenarios()
            except Exception as error:
                log.info("scenario list from the backend unavailable: %s", error)
        return [s.summary_view() for s in local_scenarios().values()]

    # ---- presence ---------------------------------------------------------------------------

    def engine_started(self, address: str) -> None:
        """The softphone is up: in listen mode its address is where simulated callers ring."""
        from agent_tui.ui.train.address import listen_uri

        if self.configured_uri is None:
            self.sip_uri = listen_uri(self.desk.options.username, address, self.public_address)
        if self.in_training:
            self._announce()

    def state_changed(self, state: AgentStateName, reason: str | None) -> None:
        """Entering or leaving training status announces or withdraws the desk (calls keep it)."""
        if state == AgentStateName.NOT_READY and reason == TRAINING_REASON:
            if not self.in_training:
                self.in_training = True
                self._announce()
        elif self.in_training and state in (AgentStateName.READY, AgentStateName.NOT_READY,
                                            AgentStateName.LOGGED_OUT):
            self.in_training = False
            if self.api is not None:
                self._spawn(self.api.withdraw(), "leaving training status", quiet=True)

    def _announce(self) -> None:
        if self.api is not None and self.sip_uri:
            self._spawn(self.api.announce(self.sip_uri), "announcing the desk for training", quiet=True)

    # ---- commands from the trainer ----------------------------------------------------------

    def command(self, name: str, data: dict[str, Any]) -> None:
        """A `training_*` command from the agent's command stream."""
        by = clean(data.get("by", ""), 64) or None
        attempt = clean(data.get("attempt", ""), 64)
        call = self._call_for_attempt(attempt) or self.current
        if name == "training_launch":
            scenario_id = clean(data.get("scenario", ""), 64)
            if not scenario_id or not attempt:
                return
            self.launches[attempt] = Launch(scenario_id, attempt, by)
            status = self._t("Your trainer {name} starts a scenario: answer the call.", name=by or "-")
            self.current = TrainingCall(scenario_id=scenario_id, attempt_id=attempt, launched_by=by,
                                        status=status)
            self._spawn(self._load_into(self.current), "loading the scenario", quiet=True)
            self.desk.app.notify(self._t("Training call coming from {name}.", name=by or "-"), timeout=5)
        elif name == "training_hint" and call is not None:
            call.hint = clean(data.get("text", ""), 300)
            self.desk.app.notify(self._t("Trainer: {text}", text=call.hint), timeout=12)
        elif name == "training_caption" and call is not None:
            self._caption(call, clean(data.get("text", ""), 600))
        elif name in ("training_takeover", "training_release") and call is not None:
            call.taken_over = name == "training_takeover"
            call.status = self._t("Your trainer now speaks as the customer.") if call.taken_over else ""
        elif name == "training_stop" and call is not None:
            call.status = self._t("The trainer stopped the scenario.")
        self._refresh()

    async def _load_into(self, call: TrainingCall) -> None:
        call.scenario = await self.scenario(call.scenario_id)
        self._refresh()

    def _call_for_attempt(self, attempt: str) -> TrainingCall | None:
        if not attempt:
            return None
        for call in [*self.calls.values(), *([self.current] if self.current else [])]:
            if call.attempt_id == attempt:
                return call
        return None

    def _caption(self, call: TrainingCall, text: str) -> None:
        from agent_tui.domain.training import TranscriptLine

        if not text:
            return
        call.captions.append(text)
        del call.captions[:-CAPTIONS_KEPT]
        now = time.monotonic()
        since = 0.0 if call.answered_at is None else max(0.0, now - call.answered_at)
        call.caller_lines.append(TranscriptLine(at_s=round(since, 1), text=text[:2000]))
        del call.caller_lines[:-200]

    # ---- the call ---------------------------------------------------------------------------

    def incoming(self, session: CallSession) -> None:
        """A call rang: bind it to its training attempt when it is a training call."""
        if not is_training_call(session):
            return
        scenario_id = clean(session.headers.get(SCENARIO_HEADER, ""), 64)
        attempt = clean(session.headers.get(ATTEMPT_HEADER, ""), 64) or uuid.uuid4().hex[:16]
        if self.pending is not None and self.pending.attempt_id == attempt:
            call = self.pending
            self.pending = None
        elif self.current is not None and self.current.attempt_id == attempt and self.current.call_id is None:
            call = self.current
        else:
            launch = self.launches.get(attempt)
            call = TrainingCall(scenario_id=scenario_id, attempt_id=attempt,
                                launched_by=launch.by if launch else None)
        self.launches.pop(attempt, None)
        call.call_id = session.call_id
        if self.uploader is not None and self.desk.options.recordings_dir is not None:
            self.training_call_ids.add(session.call_id)
        call.status = self._t("Training call ringing: answer it.")
        self.calls[session.call_id] = call
        self.current = call
        if call.scenario is None:
            self._spawn(self._load_into(call), "loading the scenario", quiet=True)
        self._progress(call, ProgressKind.CALL, detail="ringing")
        self._refresh()

    async def lookup(self, session: CallSession) -> LookupResult:
        """The screen pop of a training call: the scenario's caller, never a real customer."""
        call = self.calls.get(session.call_id)
        scenario = call.scenario if call and call.scenario else await self.scenario(
            clean(session.headers.get(SCENARIO_HEADER, ""), 64))
        if call is not None:
            call.scenario = scenario
        return LookupResult(matches=[LookupMatch(customer=scenario_customer(scenario))])

    def answered(self, call_id: str) -> None:
        """The trainee answered."""
        call = self.calls.get(call_id)
        if call is None:
            return
        call.answered_at = time.monotonic()
        call.status = self._t("In the call: open the order (F9) and follow the script.")
        self._progress(call, ProgressKind.CALL, detail="answered")
        self._refresh()

    def form_changed(self, run: FormRun, session: CallSession | None) -> None:
        """The work-order form of a call showed a step or took an answer."""
        if session is None:
            return
        call = self.calls.get(session.call_id)
        if call is None:
            return
        call.run = run
        if call.mark_step(run.step.id, time.monotonic()):
            if call.caller is not None:
                call.caller.send({"cmd": "step", "step": run.step.id})
            self._progress(call, ProgressKind.STEP, step=run.step.id)
        answers = list(run.route_answers())
        filled = sum(1 for _, value in answers if value not in (None, ""))
        total = sum(len(step.fields) for step in run.route)
        if call.mark_filled(filled):
            self._progress(call, ProgressKind.FIELDS, step=run.step.id, filled=filled, total=total)

    def next_pressed(self) -> None:
        """The trainee asks the simulated caller to go on (self-practice)."""
        call = self.current
        if call is not None and call.caller is not None:
            call.caller.send({"cmd": "next"})

    def call_ended(self, session: CallSession) -> None:
        """The training call ended: score it, show the card, store it."""
        call = self.calls.pop(session.call_id, None)
        if call is None:
            return
        call.close_step(time.monotonic())
        self._spawn(self._finish(call, session), "scoring the training call")

    async def _finish(self, call: TrainingCall, session: CallSession) -> None:
        from agent_tui.domain.training import Attempt, AttemptCreate
        from agent_tui.training.scoring import attempt_from_run, score

        scenario = call.scenario or await self.scenario(call.scenario_id)
        talk_s = session.talk_s()
        if call.run is not None:
            attempt = attempt_from_run(call.run, scenario.id, talk_s=talk_s, hold_s=session.hold_s,
                                       holds=0, step_seconds=call.step_seconds)
        else:
            attempt = Attempt(scenario_id=scenario.id, talk_s=talk_s, hold_s=session.hold_s)
        if call.answered_at is None:
            attempt = attempt.model_copy(update={"answered": False})
        card = score(scenario, attempt, call.run.screen if call.run else None)
        call.card = card
        self.cards.append(card)
        call.status = self._t("Scored {total} of {possible}.", total=card.total, possible=card.possible)
        self.current = call
        if call.caller is not None:
            caller, call.caller = call.caller, None
            self._spawn(caller.stop(), "ending the simulated caller", quiet=True)
        self._progress(call, ProgressKind.FINISHED, detail=f"{card.total}/{card.possible}")
        self._refresh()
        from agent_tui.ui.desk.training_card import DeskScoreCardScreen

        title = self.desk.t.pick(scenario.title)
        self.desk.app.push_screen(DeskScoreCardScreen(title, card))
        if self.api is not None:
            body = AttemptCreate(attempt_id=call.attempt_id, scenario_id=scenario.id,
                                 trainee=self.desk.options.username, launched_by=call.launched_by, card=card,
                                 attempt=attempt, transcript=call.captions[-200:],
                                 caller_lines=call.caller_lines[-200:], recording=self._recording_of(call))
            await self.api.post_attempt(body)
            self.stored += 1

    def _recording_of(self, call: TrainingCall) -> str | None:
        """The call id the training call's recording is uploaded under (None: not recorded or kept local)."""
        recorded = self.desk.options.recordings_dir is not None and self.uploader is not None
        return call.call_id if recorded and call.call_id and call.answered_at is not None else None

    def recording_ready(self, call_id: str, path: str) -> None:
        """The phone closed a call's WAV: a training call's is uploaded, marked training."""
        from pathlib import Path

        if call_id not in self.training_call_ids or self.uploader is None:
            return
        self.training_call_ids.discard(call_id)
        wav = Path(path)
        uploader = self.uploader
        try:
            if wav.stat().st_size <= 44:  # header only: nothing was recorded (the desk says so already)
                return
        except OSError:
            return

        async def upload() -> None:
            await uploader.upload_recording(call_id, wav, training=True)
            self.uploaded.append(call_id)

        self._spawn(upload(), "uploading the training recording")

    def _progress(self, call: TrainingCall, kind: ProgressKind, *, step: str | None = None, filled: int = 0,
                  total: int = 0, detail: str = "") -> None:
        from agent_tui.domain.training import TrainingProgress

        if self.api is None:
            return
        progress = TrainingProgress(attempt_id=call.attempt_id[:64], scenario_id=call.scenario_id, kind=kind,
                                    step=step, filled=filled, total=total, detail=detail[:200],
                                    self_practice=call.self_practice)
        self._spawn(self.api.report_progress(progress), "reporting training progress", quiet=True)

    # ---- self-practice ----------------------------------------------------------------------

    def start_practice(self, scenario_id: str) -> None:
        """Ring this desk with a simulated caller playing `scenario_id`."""
        if self.launcher is None:
            self.desk.app.notify(self._t("Self-practice needs the softphone."), severity="warning")
            return
        if not self.sip_uri:
            self.desk.app.notify(self._t("The phone has not started yet; try again in a moment."),
                                 severity="warning")
            return
        call = TrainingCall(scenario_id=scenario_id, attempt_id=uuid.uuid4().hex[:16], self_practice=True,
                            status=self._t("Calling you: answer the call."))
        self.pending = call
        self.current = call
        self._refresh()
        self._spawn(self._dial(call, self.sip_uri), "starting the simulated caller")

    async def _dial(self, call: TrainingCall, target: str) -> None:
        assert self.launcher is not None
        call.scenario = await self.scenario(call.scenario_id)

        def on_event(event: CallerEvent) -> None:
            kind = event.get("event")
            if kind == "caption":
                self._caption(call, clean(str(event.get("text", "")), 600))
                self._progress(call, ProgressKind.CAPTION, detail=clean(str(event.get("text", "")), 200))
            elif kind == "exited" and self.pending is call:
                self.pending = None
                call.status = self._t("The simulated caller could not call you.")
            if call.caller_event(kind) and call.call_id in self.calls:
                self._caller_lost(call, event.get("code"))
            self._refresh()

        call.caller = await self.launcher.start(call.scenario_id, target, call.attempt_id, on_event,
                                                call.scenario)

    def _caller_lost(self, call: TrainingCall, code: object) -> None:
        """The caller process died with its call up: end the call here, so it is scored as it stands."""
        log.warning("simulated caller of %s exited (%s) with its call up: ending the call", call.attempt_id,
                    code)
        call.status = self._t("The simulated caller stopped unexpectedly; the call is ended.")
        phone = self.desk.services.phone
        if phone is None or call.call_id is None:
            return
        try:
            phone.hangup(call.call_id)
        except Exception as error:  # the call may be ending already; the status says what happened
            log.warning("could not end the training call %s: %s", call.call_id, error)

    async def shutdown(self) -> None:
        """End every simulated caller this desk started."""
        for call in [*self.calls.values(), *([self.current, self.pending])]:
            if call is not None and call.caller is not None:
                caller, call.caller = call.caller, None
                await caller.stop()
