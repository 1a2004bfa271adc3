"""A call once it exists: its state changes, media and hold, local ringback, DTMF, recordings and
players, a supervisor's monitoring mode changed mid-call, and the end of the call with its report."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

import pjsua2 as pj

from agent_tui.phone import monitor_info
from agent_tui.phone.call import CallBook, EngineCall
from agent_tui.phone.core_base import CommandError, EngineBase
from agent_tui.phone.events import (
    CallEnded,
    CallState,
    CallStateName,
    CallStats,
    ConferenceChanged,
    DtmfMethod,
    DtmfReceived,
    MonitorMode,
    MonitorStarted,
    PlaybackEnd,
    PlaybackFinished,
    RecordingReady,
)
from agent_tui.phone.media import read_stats
from agent_tui.phone.monitor_follow import monitoring_to_end
from agent_tui.phone.sanitize import clean_text
from agent_tui.phone.wav import wav_finished

_RINGBACK_DELAY_S = 0.1
"""The local ringback starts this long after the 180 (unnoticeable): a call answered sooner never
builds the tone generator, which keeps that work off the call set-up path."""


def _carries_sdp(prm: Any) -> bool:
    """Whether the response that caused this call state change has an SDP body."""
    try:
        event = prm.e
        if event.type != pj.PJSIP_EVENT_TSX_STATE or event.body.tsxState.type != pj.PJSIP_EVENT_RX_MSG:
            return False
        head, _, body = str(event.body.tsxState.src.rdata.wholeMsg).partition("\r\n\r\n")
    except Exception:
        return False
    return "application/sdp" in head.lower() and bool(body.strip())


class EngineCalls(EngineBase):
    """Layer: what happens to a call that exists, up to its end."""

    def call_state(self, call: EngineCall, prm: Any) -> None:
        """onCallState: state events, and the end of a call."""
        info = call.getInfo()
        state = info.state
        book = call.book
        if not book.traced:  # outgoing calls, transfers, replacements: the Call-ID is known by now
            book.traced = True
            self.trace.bind(book.public_id, str(info.callIdString))
        if book.replaced:
            if state == pj.PJSIP_INV_STATE_DISCONNECTED and call in self.retired:
                self.retired.remove(call)  # dropped now, in its own DISCONNECTED (see `graveyard`)
            return
        code = int(info.lastStatusCode)
        reason = clean_text(str(info.lastReason), 120)
        name: CallStateName | None = None
        if state == pj.PJSIP_INV_STATE_CALLING:
            name = "calling"
        elif state == pj.PJSIP_INV_STATE_EARLY and book.direction == "outbound":
            # Early media from the far end (183 + SDP) plays by itself; else we ring locally.
            # (onCallState comes before onCallMediaState: look at the response's body; a 180
            # with SDP goes ringing → early when its media starts.)
            early_media = self._has_active_audio(info) or (code != 180 and _carries_sdp(prm))
            name = "early" if early_media else "ringing"
            self._ringback(book.public_id, not early_media)
        elif state == pj.PJSIP_INV_STATE_CONNECTING:
            name = "connecting"
            self._ringback(book.public_id, False)
        elif state == pj.PJSIP_INV_STATE_CONFIRMED:
            self._ringback(book.public_id, False)
            if book.answered_at is None:
                book.answered_at = time.monotonic()
                book.next_stats_at = book.answered_at + self.options.stats_interval_s
            name = "confirmed"
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self._finish(call, code, reason)
            return
        if name is not None and book.monitor is None:
            self.emit(CallState(book.public_id, name, code, reason, book.direction))

    def _ringback(self, call_id: str, on: bool) -> None:
        """Ring locally for an outgoing call (from the next loop turn after `_RINGBACK_DELAY_S`), or stop."""
        if on:
            if self.hub is not None and call_id not in self.hub.ringing:
                self.ringback_due.setdefault(call_id, time.monotonic() + _RINGBACK_DELAY_S)
            return
        self.ringback_due.pop(call_id, None)
        hub = self.hub
        if hub is not None and call_id in hub.ringing:
            opts = self.options
            hub.ringback(call_id, False, opts.ringback_hz, opts.ringback_on_ms, opts.ringback_off_ms)

    def _ringing(self, call_id: str) -> bool:
        return call_id in self.ringback_due or (self.hub is not None and call_id in self.hub.ringing)

    @staticmethod
    def _has_active_audio(info: Any) -> bool:
        return any(m.type == pj.PJMEDIA_TYPE_AUDIO and m.status == pj.PJSUA_CALL_MEDIA_ACTIVE
                   for m in info.media)

    def _finish(self, call: EngineCall, code: int, reason: str) -> None:
        book = call.book
        if book.ended:
            return
        book.ended = True
        self._ringback(book.public_id, False)
        if self.ip_change is not None:
            self.ip_change.call_ended(time.monotonic(), book.public_id)
        if book.refused:  # never announced: nothing to report
            if self.calls.get(book.public_id) is call:
                del self.calls[book.public_id]  # the last reference: dropped here (see `graveyard`)
            return
        stats = read_stats(call, final=True) if book.answered_at is not None else None
        if stats is None and book.last_stats is not None:
            last = book.last_stats
            stats = CallStats(last.call_id, last.codec, last.jitter_ms, last.loss_pct, last.rtt_ms,
                              last.mos, last.rx_packets, last.tx_packets, final=True)
        self._drop_recorder(call)
        if self.hub is not None and book.public_id in self.hub.players:
            self.end_playback(book.public_id, "call ended")
        if self.calls.get(book.public_id) is call:
            del self.calls[book.public_id]  # the last reference: dropped in this callback (see `graveyard`)
        if self.hub is not None:
            before = len(self.hub.links)
            self.hub.links = {link for link in self.hub.links if book.public_id not in link}
            if len(self.hub.links) != before:
                self.emit(ConferenceChanged(self._conference_ids()))
        duration = time.monotonic() - book.answered_at if book.answered_at is not None else 0.0
        if book.answered_at is not None:
            why = "local hangup" if book.local_hangup else "remote hangup"
        elif book.missed:
            why = "missed"
        elif book.local_hangup:
            why = "rejected" if book.direction == "inbound" else "cancelled"
        else:
            why = reason or "failed"
        if book.transfer_target and book.answered_at is not None:
            why = "transferred"
        if stats is not None:
            self.emit(stats)
        self.emit(CallEnded(book.public_id, why, code, round(duration, 3), stats, book.direction,
                            missed=book.missed and book.answered_at is None))
        self._end_monitoring(book)

    def _end_monitoring(self, ended: CallBook) -> None:
        """A supervisor's monitoring ends with the call it monitors (see monitor_follow): hung up at the
        next loop turn, as refusals are (not inside this call's own DISCONNECTED callback)."""
        for public_id in monitoring_to_end(ended, [c.book for c in self.calls.values()]):
            monitor = self.calls[public_id]
            self.log.note(f"monitoring call {public_id} ended: the monitored call {ended.public_id} ended")
            monitor.book.local_hangup = True
            self.refusals.append((monitor, 200, "monitored call ended"))

    def _drop_recorder(self, call: EngineCall) -> None:
        if call.recorder is None:
            return
        call.recorder = None  # the bridge destroys the port, which writes the WAV header, soon after
        gc.collect()
        if call.book.recording:
            deadline = time.monotonic() + 2.0
            self.closing_recordings.append((call.book.public_id, Path(call.book.recording), deadline))
            self._report_recordings(time.monotonic())

    def _report_recordings(self, now: float) -> None:
        """RecordingReady for every WAV that is complete now (or whose wait ran out)."""
        waiting = []
        for call_id, path, deadline in self.closing_recordings:
            if wav_finished(path) or now >= deadline:
                self.emit(RecordingReady(call_id, str(path)))
            else:
                waiting.append((call_id, path, deadline))
        self.closing_recordings = waiting

    def end_playback(self, key: str | None, reason: PlaybackEnd) -> None:
        """Take a player off the bridge and report why it ended."""
        if self.hub is None:
            return
        player = self.hub.stop_player(key)
        if player is not None:
            self.retiring.retire(player, time.monotonic())
            self.emit(PlaybackFinished(key, str(player.path), reason))

    def call_media_state(self, call: EngineCall, prm: Any) -> None:
        """onCallMediaState: rewire (the conference port changed) and report hold/resume."""
        info = call.getInfo()
        held = False
        for media in info.media:
            if media.type == pj.PJMEDIA_TYPE_AUDIO:
                held = media.status in (
                    pj.PJSUA_CALL_MEDIA_LOCAL_HOLD,
                    pj.PJSUA_CALL_MEDIA_REMOTE_HOLD,
                    pj.PJSUA_CALL_MEDIA_NONE,
                )
                if media.status == pj.PJSUA_CALL_MEDIA_ERROR:
                    held = False
                break
        book = call.book
        if self._ringing(book.public_id) and book.answered_at is None and self._has_active_audio(info):
            # Early media (183 + SDP): the far end's own ringback or announcement replaces ours.
            self._ringback(book.public_id, False)
            if info.state == pj.PJSIP_INV_STATE_EARLY:
                self.emit(CallState(book.public_id, "early", int(info.lastStatusCode),
                                    clean_text(str(info.lastReason), 120), book.direction))
        if self.hub is not None:
            self.hub.wire(call, self.calls, info)
        if self.ip_change is not None and book.answered_at is not None:
            self.ip_change.call_updated(time.monotonic(), book.public_id)
        if held != book.held and book.answered_at is not None:
            book.held = held
            if book.monitor is None:
                self.emit(CallState(book.public_id, "held" if held else "resumed", 0, "", book.direction))
        elif book.answered_at is None:
            book.held = held

    def stream_destroyed(self, call: EngineCall, prm: Any) -> None:
        """onStreamDestroyed: keep the stream's last statistics for the end-of-call report."""
        if call.book.answered_at is None:
            return
        stats = read_stats(call)
        if stats is not None:
            call.book.last_stats = stats

    def dtmf(self, call: EngineCall, prm: Any) -> None:
        """onDtmfDigit."""
        method: DtmfMethod = "info" if int(prm.method) == pj.PJSUA_DTMF_METHOD_SIP_INFO else "rfc2833"
        digit = clean_text(str(prm.digit), 4)
        if digit:
            self.emit(DtmfReceived(call.book.public_id, digit, method))

    def call_tsx(self, call: EngineCall, prm: Any) -> None:
        """onCallTsxState: mid-call monitoring mode changes by INFO, either side (see monitor_info)."""
        key = self.options.monitor_key
        monitor_info.on_tsx(call, prm, key.get_secret_value() if key is not None else None,
                            self.cmd_set_monitor_mode, self.emit, self.log.note)

    def cmd_set_monitor_mode(self, call_id: str, mode: str) -> None:
        """Rewire a supervisor's monitoring call to listen, whisper or barge."""
        call = self._call(call_id)
        if call.book.monitor is None or mode not in ("listen", "whisper", "barge"):
            raise CommandError(f"call {call_id} is not a monitoring call or {mode!r} is no mode")
        monitor: MonitorMode = mode  # type: ignore[assignment]
        call.book.monitor = monitor
        if self.hub is not None:
            self.hub.wire(call, self.calls)
        target = next((c.book.public_id for c in self.calls.values()
                       if c.book.monitor is None and c.book.answered_at is not None), None)
        self.emit(MonitorStarted(call_id, monitor, call.book.supervisor, target))

    def cmd_change_monitor_mode(self, call_id: str, mode: str, token: str) -> None:
        """Supervisor's side: ask the agent's phone to rewire our monitoring call (INFO)."""
        monitor_info.send_mode_change(self._call(call_id), mode, token)

    def _conference_ids(self) -> tuple[str, ...]:
        assert self.hub is not None
        return tuple(sorted({call_id for link in self.hub.links for call_id in link}))
