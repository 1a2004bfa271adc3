"""What the desk hears: phone events, the screen pop's lookups, the outbox's link reports, live events.

A mixin of `DeskScreen` (desk.py): each event goes into the desk model, and the effects it returns are
carried out by the screen (`carry`). The pop: the ringing call's card waits up to POP_GRACE_S for its
lookup (one repaint, not two), a repeat caller's card comes from the cache at once, and the state writes
held meanwhile go once the card is on screen.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent_tui.desk.calls import CallSession, LookupState, is_training_call
from agent_tui.desk.effects import Effect, Notify
from agent_tui.desk.events import cleaned_incoming
from agent_tui.desk.lookup import find_customer
from agent_tui.desk.network_notice import network_notice
from agent_tui.desk.recordings import empty_recording, space_warning
from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.events import Event, EventKind
from agent_tui.phone.events import (
    AudioDeviceBack,
    AudioDeviceLost,
    AudioDevicesChanged,
    CallEnded,
    CallState,
    CallStats,
    EngineError,
    EngineStarted,
    EngineStopped,
    Health,
    IncomingCall,
    NetworkChange,
    RecordingReady,
    Registration,
    Transferred,
)
from agent_tui.sync.desk_link import LinkStatus
from agent_tui.ui.common.text import clean
from agent_tui.ui.desk.audio_devices import device_lost_note, devices_changed_note
from agent_tui.ui.desk.desk_directory import announce_desk
from agent_tui.ui.desk.desk_view import TLS_ERROR_PREFIX

if TYPE_CHECKING:
    from textual.app import App

    from agent_tui.desk.lookup import LookupCache
    from agent_tui.desk.model import DeskModel
    from agent_tui.i18n import Translator
    from agent_tui.phone.quality_watch import QualityBook
    from agent_tui.ui.common.options import DeskOptions
    from agent_tui.ui.desk.callback_calls import CallbackCalls
    from agent_tui.ui.desk.lookup_tasks import LookupTasks
    from agent_tui.ui.desk.outbound_desk import DeskOutbound
    from agent_tui.ui.desk.services import DeskServices
    from agent_tui.ui.desk.supervisor_commands import DeskSupervisor
    from agent_tui.ui.desk.training import DeskTraining

log = logging.getLogger(__name__)

LOST_NOTE_S = 60.0
"""How long "sound device gone" stays up: the agent is in a call they cannot hear."""
POP_GRACE_S = 0.2
"""How long a ringing call's card waits for its lookup before it says "Looking up…": a card drawn
twice (pending, then filled) costs a second full repaint of the card on every pop."""
RING_GRACE_S = 0.03
"""How long a ring's first paint waits for its lookup: a quick lookup puts the banner and the card in one
frame (one paint, not two); a slow or dead backend delays the banner by this much at most."""


class DeskEvents:
    """The desk screen's event handlers (mixed into DeskScreen)."""

    if TYPE_CHECKING:
        app: App[Any]
        model: DeskModel
        services: DeskServices
        options: DeskOptions
        t: Translator
        training: DeskTraining
        supervisor: DeskSupervisor
        callback_calls: CallbackCalls
        outbound: DeskOutbound
        lookup_cache: LookupCache
        lookups: LookupTasks
        quality: QualityBook
        slow_lookups: dict[str, float | None]
        link: LinkStatus
        sip_ok: bool | None
        sip_registered: bool | None
        sip_detail: str
        _card_waits_for: str | None
        _ring_waits_for: str | None
        _queued_since: float | None
        _widgets_ready: bool

        @property
        def calls(self) -> dict[str, CallSession]: ...
        @property
        def ringing_id(self) -> str | None: ...
        def carry(self, effects: list[Effect]) -> None: ...
        def refresh_view(self) -> None: ...
        def paint_view(self) -> None: ...
        def _paint_status(self) -> None: ...
        def _paint_calls(self) -> None: ...
        def flush_state_writes(self) -> None: ...
        def order_alert(self, data: dict[str, Any]) -> None: ...
        def set_timer(self, delay: float, callback: Any = None, *, name: str | None = None,
                      pause: bool = False) -> Any: ...
        def call_after_refresh(self, callback: Any, *args: Any) -> bool: ...

    def handle_phone_event(self, event: Any) -> None:
        """Apply one phone event (UI thread)."""
        if self.quality.apply(event) and isinstance(event, CallStats) and self._widgets_ready:
            self._paint_calls()  # the call strip flags a bad line, and clears the flag when it recovers
        if isinstance(event, IncomingCall):
            self._incoming(event)
        elif isinstance(event, CallState):
            was_ringing = self.ringing_id == event.call_id
            self.carry(self.model.call_state(event))
            if was_ringing and self.ringing_id != event.call_id:
                self.training.answered(event.call_id)
            if event.state == "confirmed":
                self._warn(space_warning(self.options.recordings_dir, self.options.recordings_min_free_mb))
        elif isinstance(event, CallEnded):
            self._call_ended(event)
        elif isinstance(event, Registration):
            self.flush_state_writes()
            self.sip_registered = event.state == "registered"
            if event.state != "registering":
                self._set_phone_ok(self.sip_registered, clean(event.reason, 80))
        elif isinstance(event, Health):
            # A registrar that answers OPTIONS does not route calls to a phone it has not registered:
            # "SIP ok" waits for the registration too.
            if not (event.ok and self.sip_registered is False):
                self._set_phone_ok(event.ok, clean(event.detail, 80))
        elif isinstance(event, Transferred):
            key = "Transfer to {target} done." if event.ok else "Transfer to {target} failed: {reason}"
            self.app.notify(self.t.t(key, target=clean(event.target, 60), reason=clean(event.reason, 80)),
                            severity="information" if event.ok else "warning")
        elif isinstance(event, EngineStarted):
            self.training.engine_started(event.address)
            announce_desk(self, self.training.sip_uri)
            if self.sip_ok is None:  # listen mode has no registration: being up is being healthy
                self._set_phone_ok(True, clean(event.address, 80))
        elif isinstance(event, EngineStopped):
            self._set_phone_ok(False, "")
        elif isinstance(event, EngineError):
            self.app.notify(self.t.t("Phone error: {message}", message=clean(event.message, 200)),
                            severity="error")
        elif isinstance(event, AudioDevicesChanged):
            self.app.notify(devices_changed_note(self.t, event))
        elif isinstance(event, AudioDeviceLost | AudioDeviceBack):
            lost = isinstance(event, AudioDeviceLost)
            self.app.notify(device_lost_note(self.t, event), severity="warning" if lost else "information",
                            timeout=LOST_NOTE_S if lost else 5, markup=False)  # device names are data
        elif isinstance(event, RecordingReady):
            self._recording_ready(event)
        elif isinstance(event, NetworkChange):
            self._warn(network_notice(event))
        self.supervisor.phone_event(event)

    def _warn(self, notice: Notify | None) -> None:
        if notice is not None:
            self.carry([notice])

    def _recording_ready(self, event: RecordingReady) -> None:
        notice = empty_recording(event.path, self.options.recordings_dir, self.options.recordings_min_free_mb)
        self._warn(notice)
        training = (event.call_id in self.training.training_call_ids or event.call_id in self.training.calls
                    or is_training_call(self.calls.get(event.call_id)))
        if notice is None and not training:
            # A real call's recording goes to the backend through the outbox: it survives a restart.
            try:
                self.services.writes.upload_recording(event.call_id, Path(event.path))
            except Exception:  # a journal failure must not take the phone events down; the file stays
                log.exception("could not queue the upload of the recording of %s (%s)", event.call_id,
                              event.path)
        self.training.recording_ready(event.call_id, event.path)

    def _incoming(self, event: IncomingCall) -> None:
        event = cleaned_incoming(event)
        effects = self.model.incoming(event)
        session = self.calls[event.call_id]
        self.training.incoming(session)
        self._card_waits_for = session.call_id
        self._ring_waits_for = session.call_id
        self.set_timer(RING_GRACE_S, lambda: self._ring_grace_over(session.call_id))
        self.set_timer(POP_GRACE_S, lambda: self._stop_waiting(session.call_id))
        self.set_timer(self.options.slow_lookup_s, lambda: self._lookup_slow(session))
        self.carry(effects)

    def _call_ended(self, event: CallEnded) -> None:
        session = self.calls.get(event.call_id)
        if session is None:
            return
        self.carry(self.model.call_ended(event, picked_up=event.call_id in self.supervisor.picked_up))
        if is_training_call(session):
            self.training.call_ended(session)
        self.callback_calls.ended(session.call_id, answered=session.answered)
        self.trim_calls()

    def trim_calls(self) -> None:
        """Bound what the session keeps (see DeskBook.trim)."""
        for call_id in self.model.trim():
            self.slow_lookups.pop(call_id, None)

    def _ring_grace_over(self, call_id: str) -> None:
        """The lookup did not answer within RING_GRACE_S: the banner is drawn now, the card follows."""
        if self._ring_waits_for == call_id:
            self._ring_waits_for = None
            self.refresh_view()

    def _stop_waiting(self, call_id: str) -> None:
        """The grace for a slow lookup is over: the card says it is still looking."""
        self.flush_state_writes()
        if self._card_waits_for == call_id:
            self._card_waits_for = None
            self.refresh_view()

    def _lookup_slow(self, session: CallSession) -> None:
        """The lookup is still running: mark the call slow (the mark stays once the card arrives)."""
        if session.lookup is LookupState.PENDING and session.call_id in self.calls:
            self.slow_lookups[session.call_id] = None
            self.refresh_view()

    def _start_lookup(self, session: CallSession) -> None:
        cached = self.lookup_cache.usable_for(session)
        if cached is not None:
            session.set_lookup(cached)
            self._painted_card(session)
        self.lookups.start(self._lookup(session), f"lookup of {session.call_id}")

    async def _lookup(self, session: CallSession) -> None:
        started = time.monotonic()
        try:
            if is_training_call(session):  # the scenario's caller, never a real customer
                find = self.training.lookup(session)
            else:
                find = find_customer(self.services.backend, session)
            result = await asyncio.wait_for(find, self.options.lookup_timeout_s)
        except TimeoutError:
            self.model.lookup_done(session.call_id, None, self.t.t("the backend did not answer in time"))
        except Exception as error:
            self.model.lookup_done(session.call_id, None, self._describe(error))
            log.info("lookup for %s failed: %s", session.call_id, error)
        else:
            if session.number:
                self.lookup_cache.put(session.number, result)
            self.model.lookup_done(session.call_id, result)
        took = time.monotonic() - started
        if took >= self.options.slow_lookup_s or session.call_id in self.slow_lookups:
            self.slow_lookups[session.call_id] = took
            log.info("slow lookup for %s: %.1f s", session.call_id, took)
        self._painted_card(session)

    def _describe(self, error: BaseException) -> str:
        text = str(error) or type(error).__name__
        if "Unavailable" in type(error).__name__ or isinstance(error, ConnectionError | OSError):
            return self.t.t("backend unreachable") + f" ({clean(text, 120)})"
        return clean(text, 160)

    def _painted_card(self, session: CallSession) -> None:
        """Paint the card; record pop latency once it is on screen."""
        self.paint_view()  # now: the next frame must hold the card, it is what the latency measures
        if session.pop_latency_ms is None:
            self.call_after_refresh(self._record_pop_latency, session)

    def _record_pop_latency(self, session: CallSession) -> None:
        if session.pop_latency_ms is None:
            latency = (self.model.clock.wall() - session.offered_at).total_seconds() * 1000
            session.pop_latency_ms = max(latency, 0.0)
            log.info("screen pop %s: %.1f ms", session.call_id, session.pop_latency_ms)
        self.carry(self.model.pop_painted())

    def _set_phone_ok(self, ok: bool, detail: str) -> None:
        changed = ok != self.sip_ok
        self.sip_ok = ok
        self.sip_detail = detail
        self.carry(self.model.phone_health(ok))
        if changed:
            self.refresh_view()

    def handle_link_status(self, status: LinkStatus) -> None:
        """The outbox reports the link to the backend."""
        if (status.detail.startswith(TLS_ERROR_PREFIX) and not status.online
                and status.detail != self.link.detail):
            message = self.t.t("Cannot save to the backend: {detail}", detail=clean(status.detail, 300))
            self.app.notify(message, severity="error", timeout=20)
        self.link = status
        if not status.queued:
            self._queued_since = None
        elif self._queued_since is None:
            self._queued_since = time.monotonic()
        if self.model.link_report(status.online, status.queued, status.delivered):
            self.refresh_view()
        elif self._widgets_ready:
            self._paint_status()  # only the link cell can have changed
        self.outbound.link_report()

    def handle_live_event(self, event: Event) -> None:
        """A live event from the backend: forced state changes and notes from a supervisor."""
        if event.target not in (None, self.options.username):
            return
        self.flush_state_writes()
        if self.supervisor.handle_live_event(event):
            return
        data = event.data
        if event.kind == EventKind.COMMAND:
            command = str(data.get("command", ""))
            if command == "force_state":
                try:
                    state = AgentStateName(str(data.get("state", "")))
                except ValueError:
                    return
                reason = data.get("reason")
                reason_text = clean(reason, 40) if isinstance(reason, str) else None
                self.carry(self.model.force_state(state, reason_text))
                self.app.notify(self.t.t("Your supervisor changed your state."), severity="warning")
            elif command.startswith("training_"):
                payload = data.get("data")
                self.training.command(command, payload if isinstance(payload, dict) else {})
            elif command in ("note", "coach", "message"):
                self.app.notify(self.t.t("Supervisor: {text}", text=clean(data.get("text", ""), 300)),
                                timeout=15)
        elif event.kind == EventKind.ORDER_ALERT:
            self.order_alert(data)
        elif event.kind == EventKind.TICKET:
            number = data.get("number")
            # Only the filing: every later move (each field step of every order) is on the stream too.
            if isinstance(number, str) and data.get("status") == "created":
                self.app.notify(self.t.t("Work order {number} saved.", number=clean(number, 40)), timeout=3)

