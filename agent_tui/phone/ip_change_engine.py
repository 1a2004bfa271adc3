"""The pjsua2 side of surviving a network change: account settings and `Endpoint.handleIpChange`.

`IpChangeWatch` (ip_change.py) decides; this module acts, on the engine thread only.

pjsua2 facts (2.15.1): `handleIpChange` with `restartListener` closes and re-opens the SIP listeners
on the same port; a listener bound to the wildcard address then publishes whatever address the host
has now (a listener bound to one address cannot move, so this works with `listen = "0.0.0.0:..."`
and no `public_address`). Per account, `ipChangeConfig` says what follows: `shutdownTp` closes the
account's transports (a TCP connection from the old address is dead anyway), the account
re-registers with the new Contact, and each call is re-INVITEd with `reinviteFlags` (new Contact and
Via, media transports re-created so the SDP carries the new address); `hangupCalls=False` keeps
the calls. The re-INVITE's answer shows as an `onCallMediaState`.

Measured here (tests/faults/test_network_change.py, two namespaces, Kamailio, a bot caller): the
re-REGISTER, re-INVITE and its 200 take ~10 ms after `handleIpChange`; the first REGISTER still
names the old Contact (pjsua learns the new one from the 401's Via `received`), the authenticated
one the new; pjsua does not remove the old binding, so the registrar lists both until the old one
expires (calls forked to it are lost harmlessly). Without the re-INVITE a pjsua peer still finds
our media (it latches onto the address RTP comes from), but its BYE and every new call go to the
old address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pjsua2 as pj

from agent_tui.phone.events import NetworkChange
from agent_tui.phone.ip_change import IpChangeWatch, Recover, read_local_addresses

RESTART_LISTENER_DELAY_MS = 100
"""pjsua's own default: the old listener's packets in flight are handled before it closes."""


def configure_account(cfg: Any) -> Any:
    """Set `cfg.ipChangeConfig` so an IP change keeps calls and re-INVITEs them from the new address."""
    cfg.ipChangeConfig.shutdownTp = True
    cfg.ipChangeConfig.hangupCalls = False
    cfg.ipChangeConfig.reinviteFlags = (
        pj.PJSUA_CALL_REINIT_MEDIA | pj.PJSUA_CALL_UPDATE_CONTACT | pj.PJSUA_CALL_UPDATE_VIA
    )
    return cfg


class IpChangeDriver:
    """Runs an `IpChangeWatch` on the engine thread and calls `handleIpChange` when it says so."""

    def __init__(self, ep: Any, watch: IpChangeWatch, emit: Callable[[NetworkChange], None],
                 note: Callable[[str], None],
                 read_addresses: Callable[[], frozenset[str]] = read_local_addresses) -> None:
        self.ep = ep
        self.watch = watch
        self._emit = emit
        self._note = note
        self._read = read_addresses
        self.recoveries = 0
        """How many times `handleIpChange` ran (for logs and tests)."""
        self.retry: Recover | None = None
        """A recovery pjsua2 refused (e.g. busy with the last one), asked again at the next look."""

    def tick(self, now: float, active_calls: Iterable[str], registering: bool) -> None:
        """Look at the addresses when due; report a recovery that takes too long."""
        if not self.watch.due(now):
            self._send(self.watch.tick(now))
            return
        recover, events = self.watch.poll(now, self._read(), list(active_calls), registering)
        self._act(recover or self.retry, events)

    def registration(self, now: float, code: int, registered: bool, active_calls: Iterable[str]) -> None:
        """An account's registration answer."""
        if self.watch.interval_s <= 0:
            return
        recover, events = self.watch.registration(now, code, registered, list(active_calls))
        self._act(recover, events)

    def call_updated(self, now: float, call_id: str) -> None:
        """onCallMediaState of an answered call."""
        self._send(self.watch.call_updated(now, call_id))

    def call_ended(self, now: float, call_id: str) -> None:
        """A call is gone."""
        self._send(self.watch.call_ended(now, call_id))

    def _act(self, recover: Recover | None, events: list[NetworkChange]) -> None:
        if recover is not None:
            self._note(f"network change ({recover.reason}): handleIpChange, addresses "
                       f"{sorted(self.watch.addresses or ())}")
            prm = pj.IpChangeParam()
            prm.restartListener = True
            prm.restartLisDelay = RESTART_LISTENER_DELAY_MS
            self.recoveries += 1
            self.retry = None
            try:
                self.ep.handleIpChange(prm)
            except pj.Error as exc:
                self.retry = recover
                self._note(f"handleIpChange failed, asking again in {self.watch.interval_s:g} s: "
                           f"{exc.info()}")
        self._send(events)

    def _send(self, events: list[NetworkChange]) -> None:
        for event in events:
            self._emit(event)
