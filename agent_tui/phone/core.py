"""Everything that runs on the engine thread: the top of the engine core's layers (see `core_base`).

Only the engine thread ever touches this object (and pjsua2). The facade in `engine.py` queues
commands to it and receives events from it. This layer adds the loop's periodic work and the shutdown;
set-up, callbacks and commands live in the `core_*` modules below it.
"""

from __future__ import annotations

import contextlib
import gc
import time

import pjsua2 as pj

from agent_tui.phone.account import EngineAccount
from agent_tui.phone.core_commands import EngineCommands
from agent_tui.phone.media import read_stats


class EngineCore(EngineCommands):
    """The engine thread's state and logic: the top layer adds the loop's periodic work and shutdown."""

    def tick(self, now: float) -> None:
        """Periodic work between event polls: drop finished calls, stats, health pings."""
        if self.graveyard:
            self.graveyard.clear()
        if self.refusals:
            self._send_refusals()
        if self.options.ring_timeout_s > 0 and self.calls:
            self._ring_timeouts(now)
        if self.ringback_due and self.hub is not None:
            opts = self.options
            for call_id, due in list(self.ringback_due.items()):
                if now >= due:
                    del self.ringback_due[call_id]
                    self.hub.ringback(call_id, True, opts.ringback_hz, opts.ringback_on_ms,
                                      opts.ringback_off_ms)
        if len(self.retiring):
            self.retiring.tick(now)
        if self.sound is not None:
            away = self.sound.away
            if self.sound.watch(now):
                summary = self.sound.summary()
                self.log.note(f"sound bridge: a direction stalled, devices opened again ({summary})")
            news = self.sound.news(away)
            if news is not None:
                self.log.note(f"sound bridge: {news}")
                self.emit(news)
        if self.hub is not None:
            for key, player in list(self.hub.players.items()):
                if player.at_eof:
                    self.end_playback(key, "eof")
        if self.closing_recordings:
            self._report_recordings(now)
        interval = self.options.stats_interval_s
        if interval > 0:
            for call in list(self.calls.values()):
                book = call.book
                if book.answered_at is not None and now >= book.next_stats_at and not book.ended:
                    book.next_stats_at = now + interval
                    stats = read_stats(call)
                    if stats is not None:
                        book.last_stats = stats
                        self.emit(stats)
        for account in self.accounts:
            self._health_tick(account, now)
        if self.ip_change is not None and not self.stopping:
            self.ip_change.tick(now, self.answered_call_ids(), bool(self.accounts))

    def shutdown(self) -> None:
        """The clean shutdown recipe; always ends with libDestroy when libCreate ran."""
        self.stopping = True
        ep = self.ep
        lingering: list[EngineAccount] = []
        try:
            if ep is None:
                return
            if self.started:
                ep.hangupAllCalls()
                deadline = time.monotonic() + 1.5
                while time.monotonic() < deadline and any(not c.book.ended for c in self.calls.values()):
                    ep.libHandleEvents(20)
                    self._send_refusals()  # INVITEs that came in meanwhile get their 503
                for call in list(self.calls.values()):
                    self._drop_recorder(call)
                if self.hub is not None:
                    for key in list(self.hub.players):
                        self.end_playback(key, "stopped")
                    self.hub.close()
                self.retiring.drain(lambda: ep.libHandleEvents(10))
                while self.closing_recordings:  # the bridge closes the WAVs on its clock thread
                    ep.libHandleEvents(10)
                    self._report_recordings(time.monotonic())
                self.refusals.clear()
                self.calls.clear()
                self.retired.clear()
                self.graveyard.clear()
                gc.collect()
                registered = [a for a in self.accounts if a.registered]
                for account in registered:
                    with contextlib.suppress(pj.Error):
                        account.setRegistration(False)
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline and any(a.registered for a in registered):
                    ep.libHandleEvents(20)
                for account in [*self.accounts, *([self.local] if self.local else [])]:
                    if account.health.in_flight:
                        # An OPTIONS to a dead registrar stays pending for ~32 s; deleting its account
                        # now makes libDestroy abort when that transaction ends (measured). Keep the
                        # account until libDestroy, which ends the transaction and then deletes it.
                        lingering.append(account)
                    else:
                        account.shutdown()
            self.accounts.clear()
            self.local = None
            self.hub = None
            self.ip_change = None  # it holds the Endpoint, which must die with libDestroy
            if self.sound is not None:
                self.log.note(f"sound bridge: {self.sound.summary()}")
                self.sound.detach()  # the conference port goes before libDestroy
            gc.collect()
            self.destroying = True
            # Calls are hung up and accounts unregistered above: skip the network part, which only
            # waits a fixed second for transactions we no longer care about.
            ep.libDestroy(pj.PJSUA_DESTROY_NO_NETWORK)
        finally:
            lingering.clear()
            self.ip_change = None
            self.ep = None
            gc.collect()
            if self.sound is not None:
                with contextlib.suppress(Exception):
                    self.sound.close()
                self.sound = None
            if self.ringer is not None:
                with contextlib.suppress(Exception):
                    self.ringer.close()
                self.ringer = None
            self.log.close()
