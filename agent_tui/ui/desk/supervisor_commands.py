"""The desk's side of supervision: supervisor commands, the state it reports, the "monitored" mark.

`DeskSupervisor` is owned by the desk screen, which hands it every live event and (after handling
them itself) every phone event. It carries out the five supervisor commands as the rules of
`agent_tui.desk.supervisor.decide` say, on the desk model through `agent_tui.desk.supervised` (the ghost
agents do the same), and always acknowledges each with its outcome: state changes and notes at once (a
state forced during a call or its wrap-up goes into the model's "after this call" slot),
`force_release`, `force_transfer` and `pickup` when the phone has done them
(`agent_tui.ghost.commands.CallCommandTracker`; a pickup answers the ringing call and blind-transfers
it, since the engine cannot redirect a call still ringing), refusals with why. The agent state itself
(its call fields, hold, phone offline) is the model's.

`BackendSupervision` is the real `SupervisorLink`: acks go through the outbox (they survive a dead
backend), and `GET /v1/phone-config` gives the phone its monitor key and the desk the policy
whether to show the "being monitored" mark.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from pydantic import SecretStr

from agent_tui.desk.supervised import by_backend_id, force, situation
from agent_tui.desk.supervisor import (
    PickupCall,
    ReleaseCall,
    SetState,
    SetStateAfterCall,
    ShowNote,
    Situation,
    TransferCall,
    decide,
    parse_command,
)
from agent_tui.domain.desk_supervision import CommandAck, PhoneConfig
from agent_tui.domain.events import Event
from agent_tui.ghost.commands import CallCommandTracker, CallIntent
from agent_tui.phone.events import CallEnded, MonitorStarted
from agent_tui.ui.common.text import clean

if TYPE_CHECKING:
    from agent_tui.sync.client import BackendClient
    from agent_tui.sync.outbox import Outbox
    from agent_tui.ui.desk.desk import DeskScreen

log = logging.getLogger(__name__)



class SupervisorLink(Protocol):
    """What the desk needs from the backend for supervision."""

    @property
    def show_monitored(self) -> bool:
        """Policy: show the agent a mark while a supervisor listens in."""

    def ack_command(self, command_id: int, ack: CommandAck) -> None:
        """Acknowledge a supervisor command (queued; delivered when the link is up)."""


class BackendSupervision:
    """`SupervisorLink` over the backend client and the outbox; also the phone's monitor key."""

    def __init__(self, client: BackendClient, outbox: Outbox) -> None:
        self._client = client
        self._outbox = outbox
        self.config: PhoneConfig | None = None
        self._fetched = threading.Event()
        self._task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"BackendSupervision(config={'loaded' if self.config else 'none'})"

    @property
    def show_monitored(self) -> bool:
        """The backend's policy (False until the config is loaded)."""
        return self.config.show_monitored if self.config is not None else False

    def ack_command(self, command_id: int, ack: CommandAck) -> None:
        """Queue `POST /v1/commands/{id}/ack` in the outbox."""
        self._outbox.enqueue_sync("POST", f"/v1/commands/{int(command_id)}/ack", ack.model_dump(mode="json"),
                                  "command_ack")

    def start(self) -> None:
        """Fetch the phone config (call on the running loop, after login)."""
        self._task = asyncio.get_running_loop().create_task(self._fetch())

    async def _fetch(self) -> None:
        try:
            self.config = PhoneConfig.model_validate(await self._client.get_json("/v1/phone-config"))
        except Exception as error:  # an old backend: the phone refuses monitoring calls, nothing else
            log.warning("phone-config not loaded: %s", error)
        finally:
            self._fetched.set()

    def monitor_key(self, wait_s: float = 10.0) -> SecretStr | None:
        """The key verifying monitor tokens; blocks (a worker thread) until the config is in or `wait_s`."""
        self._fetched.wait(wait_s)
        return SecretStr(self.config.monitor_key) if self.config is not None else None

    async def stop(self) -> None:
        """Cancel a fetch still running."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


class DeskSupervisor:
    """Supervisor commands and the supervision side of the agent state, for one desk screen."""

    def __init__(self, desk: DeskScreen) -> None:
        self.desk = desk
        self.monitors: dict[str, str] = {}
        """Supervisors' monitoring calls on this phone: call id → mode."""
        self.tracker: CallCommandTracker | None = None
        self.picked_up: dict[str, int] = {}
        """Ringing calls a supervisor is picking up (call id → command id): answered only to be moved."""
        self._ticking = False

    # ---- phone events (after the desk handled them) ---------------------------------------------

    def phone_event(self, event: object) -> None:
        """Follow a phone event the desk has just applied (the agent state follows it in the model)."""
        if self.tracker is not None:
            self.tracker.on_event(event)
        desk = self.desk
        if isinstance(event, MonitorStarted):
            first = not self.monitors
            self.monitors[event.call_id] = event.mode
            if first and self.show_mark:
                desk.app.notify(desk.t.t("A supervisor is listening in."), timeout=5)
            desk.refresh_view()
        elif isinstance(event, CallEnded) and event.call_id in self.monitors:
            del self.monitors[event.call_id]
            desk.refresh_view()
        if isinstance(event, CallEnded):
            self.picked_up.pop(event.call_id, None)  # ended before it was answered: the missed-ring path

    # ---- the "being monitored" mark -------------------------------------------------------------

    @property
    def show_mark(self) -> bool:
        """Whether the policy lets the agent see that a supervisor is listening in."""
        link = self.desk.services.supervision
        return bool(link is not None and link.show_monitored)

    def mark(self) -> str:
        """Text appended to the state cell while monitored (empty when not, or when the policy hides it)."""
        if not self.monitors or not self.show_mark:
            return ""
        return "  " + self.desk.t.t("[monitored]")

    # ---- commands -------------------------------------------------------------------------------

    def handle_live_event(self, event: Event) -> bool:
        """Carry out a supervisor command; True when the event was one (the desk need not look)."""
        desk = self.desk
        command = parse_command(event, desk.options.username)
        if command is None:
            return False
        decision = decide(command, self.situation())
        t = desk.t.t
        for intent in decision.intents:
            if isinstance(intent, SetState):
                desk.carry(force(desk.model, intent))
                desk.app.notify(t("Your supervisor changed your state."), severity="warning")
            elif isinstance(intent, SetStateAfterCall):
                desk.carry(force(desk.model, intent))
                desk.app.notify(t("Your supervisor set your next state: after this call."),
                                severity="warning")
            elif isinstance(intent, ShowNote):
                desk.app.notify(t("Supervisor: {text}", text=clean(intent.text, 300)), timeout=15)
            else:
                self._call_command(command.command_id, intent)
        if decision.ack is not None:
            self._ack(command.command_id, decision.ack)
        return True

    def situation(self) -> Situation:
        """Where the agent at this desk stands, for `decide`."""
        desk = self.desk
        return situation(desk.model, has_phone=desk.services.phone is not None, phone_online=desk.sip_ok,
                         busy=self.tracker.busy_calls() if self.tracker is not None else ())

    def _ack(self, command_id: int, ack: CommandAck) -> None:
        if not ack.ok:  # a pickup that failed leaves the answered call with the agent: a call like any other
            self.picked_up = {c: i for c, i in self.picked_up.items() if i != command_id}
        link = self.desk.services.supervision
        if link is None:
            log.warning("command %s not acknowledged: no supervision link", command_id)
            return
        try:
            link.ack_command(command_id, ack)
        except Exception as error:
            self._report(error, "acknowledging a supervisor command")

    def _report(self, error: BaseException, what: str) -> None:
        report = getattr(self.desk.app, "report_error", None)
        if callable(report):
            report(error, what)
        else:
            log.warning("%s: %s", what, error)

    def _call_command(self, command_id: int, intent: CallIntent) -> None:
        """Start a release, transfer or pickup `decide` accepted (the desk has a phone and the call)."""
        desk = self.desk
        phone = desk.services.phone
        assert phone is not None  # decide() refuses call commands on a desk without a phone
        if self.tracker is None:
            self.tracker = CallCommandTracker(phone, self._ack)
        if not self._ticking:
            self._ticking = True
            desk.set_interval(1.0, self.tracker.tick)
        t = desk.t.t
        if isinstance(intent, ReleaseCall):
            desk.app.notify(t("Your supervisor ended the call."), severity="warning")
        elif isinstance(intent, TransferCall):
            desk.app.notify(t("Your supervisor transferred the call to {target}.",
                              target=clean(intent.target, 40)), severity="warning")
        else:
            desk.app.notify(t("Your supervisor picked up the ringing call."), severity="warning")
        call = by_backend_id(desk.model, intent.call_id)
        if call is None:  # decide named a call of the situation: cannot happen
            return
        if isinstance(intent, PickupCall):
            self.picked_up[call.call_id] = command_id
        self.tracker.carry_out(command_id, replace(intent, call_id=call.call_id), desk.case_headers(call))
