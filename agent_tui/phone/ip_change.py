"""Noticing a network change and following the phone's recovery from it, with no pjsua2 in sight.

An agent's laptop moves from the wired desk to Wi-Fi, a VPN comes up, DHCP hands out a new lease, or
the link drops for a minute: the SIP transport still names the old address in Contact, Via and SDP,
so the registrar routes calls to an address nobody listens on and the caller hears silence. The
fix softphones converged on (ringcentral-web-phone#318) is to re-register, then re-INVITE the call
in progress from the new address. pjsua2 does both in `Endpoint.handleIpChange`, but it never
notices a change by itself: this module decides when to ask it and what to tell the agent.

- `read_local_addresses()` lists the machine's addresses from /proc (no subprocess, no netlink, no
  new dependency; ~0.1 ms), so polling every 2 s costs nothing.
- `IpChangeWatch` is the decision: a changed address set, a link that comes back after being gone,
  or a registration that failed for a transport reason triggers one recovery; it then follows the
  registration and each call's re-INVITE and says how it went (`NetworkChange` events).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agent_tui.phone.events import NetworkChange, NetworkChangeState

PROC_NET = Path("/proc/thread-self/net")
"""This thread's network namespace (`/proc/net` follows the process's first thread instead)."""

TRANSPORT_FAILURE_CODES = frozenset({408, 500, 502, 503, 504, 0})
"""Registration answers that mean 'the network did not carry it' (pjsip reports a dead or unusable
transport as 408/503 of its own, and 0 when it could not even send); a 401/403/404 is the
registrar's considered answer and no network change will fix it."""


WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names, not a bind
"""Listen hosts that mean "every address of this machine"."""


def watch_interval(configured_s: float, listen_host: str, public_address: str | None) -> float:
    """The address watch's interval for this phone: `configured_s`, or 0 (off) when a recovery cannot
    help and would harm.

    Only a listener on a wildcard address with no `public_address` can follow a new address (the
    Contact names what the host has now). A listener bound to one address keeps that address whatever
    else comes and goes, yet `handleIpChange` would still shut down every SIP transport (a ringing
    call's TCP connection with them: the caller's CANCEL or BYE is lost, measured in bench.screen_pop
    under load) and restart the listener on 0.0.0.0, open to every network.
    """
    if listen_host not in WILDCARD_HOSTS or public_address:
        return 0.0
    return configured_s


def read_local_addresses(proc_net: Path = PROC_NET) -> frozenset[str]:
    """The addresses of this host that another machine could reach (no loopback, no link-local)."""
    found: set[str] = set()
    with contextlib.suppress(OSError):  # no IPv4 (or no IPv6) in this kernel: the other one counts
        found.update(_ipv4_locals((proc_net / "fib_trie").read_text()))
    with contextlib.suppress(OSError):
        found.update(_ipv6_locals((proc_net / "if_inet6").read_text()))
    return frozenset(found)


def _ipv4_locals(fib_trie: str) -> Iterable[str]:
    # fib_trie lists every prefix as "|-- a.b.c.d" followed by lines like "/32 host LOCAL"; a /32
    # LOCAL entry is an address of ours.
    last = ""
    for raw in fib_trie.splitlines():
        line = raw.strip()
        if line.startswith("|-- "):
            last = line[4:]
        elif line.startswith("/32 host LOCAL") and last and not last.startswith("127."):
            yield last


_IPV6_SKIPPED_FLAGS = 0x01 | 0x40
"""IFA_F_TEMPORARY (privacy addresses rotate every few hours: not a move) and IFA_F_TENTATIVE (not
usable until duplicate detection ends)."""


def _ipv6_locals(if_inet6: str) -> Iterable[str]:
    # One address per line: 32 hex digits, ifindex, prefix length, scope, flags, name. Scope 00 is
    # global; 0x10 host (::1) and 0x20 link-local do not leave the machine's own link.
    for line in if_inet6.splitlines():
        parts = line.split()
        if (len(parts) >= 5 and len(parts[0]) == 32 and parts[3] == "00"
                and not int(parts[4], 16) & _IPV6_SKIPPED_FLAGS):
            hexa = parts[0]
            yield ":".join(hexa[i:i + 4] for i in range(0, 32, 4))


@dataclass(frozen=True)
class Recover:
    """Ask pjsua2 to handle an IP change now (re-create transports, re-register, re-INVITE)."""

    reason: str


@dataclass
class _Recovery:
    """One recovery in progress: what is still awaited."""

    started_at: float
    waiting_registration: bool
    calls: set[str] = field(default_factory=set)


@dataclass
class IpChangeWatch:
    """When to recover from a network change, and what happened since (state + `apply`-style calls).

    The engine calls `poll` with the current addresses every `interval_s`, `registration` on every
    registration answer, `call_updated` when a call's media was negotiated again and `call_ended`
    when a call is gone. Each returns the `NetworkChange` events to emit; `poll` and `registration`
    also return a `Recover` when pjsua2 must act.
    """

    interval_s: float = 2.0
    """Seconds between looks at the address set; 0 turns the watch off."""
    registration_gap_s: float = 30.0
    """A failed registration triggers a recovery at most this often (a registrar that is down, not
    our network, must not make us re-INVITE every call every retry)."""
    give_up_s: float = 30.0
    """A recovery not finished after this long is reported as failed (the call may be lost)."""
    addresses: frozenset[str] | None = None
    """The address set last seen (None before the first look)."""
    link_down: bool = False
    """True while the host has no address another machine could reach."""
    next_poll_at: float = 0.0
    last_registration_trigger: float | None = None
    recovery: _Recovery | None = None

    def due(self, now: float) -> bool:
        """Whether it is time to look at the addresses again."""
        return self.interval_s > 0 and now >= self.next_poll_at

    def poll(self, now: float, addresses: frozenset[str], active_calls: Iterable[str],
             registering: bool) -> tuple[Recover | None, list[NetworkChange]]:
        """The addresses now; `registering` says whether any account registers with a registrar."""
        self.next_poll_at = now + self.interval_s
        events = self._timeout(now)
        before, self.addresses = self.addresses, addresses
        if before is None or before == addresses:
            return None, events
        shown = tuple(sorted(addresses))
        if not addresses:
            self.link_down = True
            events.append(NetworkChange("lost", "no network address", shown, tuple(active_calls)))
            return None, events
        why = "network back" if self.link_down else "address changed"
        self.link_down = False
        return self._start(now, why, shown, active_calls, registering, events)

    def registration(self, now: float, code: int, registered: bool, active_calls: Iterable[str],
                     registering: bool = True) -> tuple[Recover | None, list[NetworkChange]]:
        """An account's registration answer (`code`; `registered` for a 2xx with expiry > 0)."""
        events = self._timeout(now)
        recovery = self.recovery
        if registered:
            if recovery is not None and recovery.waiting_registration:
                recovery.waiting_registration = False
                events += self._progress(now, registered_now=True)
            return None, events
        if code not in TRANSPORT_FAILURE_CODES or self.link_down or recovery is not None:
            return None, events
        last = self.last_registration_trigger
        if last is not None and now - last < self.registration_gap_s:
            return None, events
        self.last_registration_trigger = now
        shown = tuple(sorted(self.addresses or ()))
        return self._start(now, f"registration failed ({code})", shown, active_calls, registering, events)

    def call_updated(self, now: float, call_id: str) -> list[NetworkChange]:
        """A call's media was negotiated again (the re-INVITE was answered)."""
        recovery = self.recovery
        if recovery is None or call_id not in recovery.calls:
            return []
        recovery.calls.discard(call_id)
        return self._progress(now, restored=(call_id,))

    def call_ended(self, now: float, call_id: str) -> list[NetworkChange]:
        """A call is gone; a recovery stops waiting for it."""
        recovery = self.recovery
        if recovery is None or call_id not in recovery.calls:
            return []
        recovery.calls.discard(call_id)
        return self._progress(now)

    def tick(self, now: float) -> list[NetworkChange]:
        """Between polls: a recovery that took too long is reported as failed."""
        return self._timeout(now)

    # ------------------------------------------------------------------ inside

    def _start(self, now: float, why: str, shown: tuple[str, ...], active_calls: Iterable[str],
               registering: bool, events: list[NetworkChange]) -> tuple[Recover, list[NetworkChange]]:
        calls = set(active_calls)
        if self.recovery is not None:
            # Moved again before the last recovery ended (a second roam): this one supersedes it
            # and still owes the calls the last one had not restored.
            calls |= self.recovery.calls
        self.recovery = _Recovery(now, waiting_registration=registering, calls=calls)
        events.append(NetworkChange("recovering", why, shown, tuple(sorted(calls))))
        if not registering and not calls:  # listen mode with no call: new listeners are all it takes
            self.recovery = None
            events.append(NetworkChange("recovered", "", shown))
        return Recover(why), events

    def _progress(self, now: float, registered_now: bool = False,
                  restored: tuple[str, ...] = ()) -> list[NetworkChange]:
        recovery = self.recovery
        assert recovery is not None
        shown = tuple(sorted(self.addresses or ()))
        events: list[NetworkChange] = []
        if recovery.waiting_registration or recovery.calls:
            if restored:
                events.append(NetworkChange("call-restored", "re-INVITE answered", shown, restored))
            elif registered_now:
                events.append(NetworkChange("re-registered", "", shown, tuple(sorted(recovery.calls))))
            return events
        self.recovery = None
        state: NetworkChangeState = "recovered"
        events.append(NetworkChange(state, f"in {now - recovery.started_at:.1f} s", shown, restored))
        return events

    def _timeout(self, now: float) -> list[NetworkChange]:
        recovery = self.recovery
        if recovery is None or now - recovery.started_at < self.give_up_s:
            return []
        self.recovery = None
        what = "no registration" if recovery.waiting_registration else "no answer to the re-INVITE"
        shown = tuple(sorted(self.addresses or ()))
        return [NetworkChange("failed", f"{what} after {self.give_up_s:g} s", shown,
                              tuple(sorted(recovery.calls)))]
