"""`IpChangeWatch` and `read_local_addresses` without pjsua2: when to recover and what is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from agent_tui.config import Settings
from agent_tui.phone.events import NetworkChange
from agent_tui.phone.from_settings import engine_options
from agent_tui.phone.ip_change import IpChangeWatch, Recover, read_local_addresses

FIB_TRIE = """\
Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 10.77.0.0/24 2 0 2
        |-- 10.77.0.0
           /24 link UNICAST
        |-- 10.77.0.2
           /32 host LOCAL
        |-- 10.77.0.255
           /32 link BROADCAST
     +-- 127.0.0.0/8 2 0 2
        |-- 127.0.0.1
           /32 host LOCAL
Local:
  +-- 0.0.0.0/0 3 0 5
        |-- 10.77.0.2
           /32 host LOCAL
        |-- 192.168.5.9
           /32 host LOCAL
"""
IF_INET6 = """\
00000000000000000000000000000001 01 80 10 80       lo
20010db8000000000000000000000042 02 40 00 00     eth0
fe800000000000000000000000000001 02 40 20 80     eth0
20010db8000000000000000000000077 02 40 00 01     eth0
20010db8000000000000000000000078 02 40 00 40     eth0
"""
A = frozenset({"10.0.0.1"})
B = frozenset({"10.0.0.2"})


def states(events: list[NetworkChange]) -> list[str]:
    return [event.state for event in events]


def test_addresses_come_from_proc_without_loopback_link_local_privacy_or_tentative(tmp_path: Path) -> None:
    (tmp_path / "fib_trie").write_text(FIB_TRIE)
    (tmp_path / "if_inet6").write_text(IF_INET6)
    ipv6 = "2001:0db8:0000:0000:0000:0000:0000:0042"
    assert read_local_addresses(tmp_path) == {"10.77.0.2", "192.168.5.9", ipv6}


def test_missing_proc_files_give_no_addresses(tmp_path: Path) -> None:
    assert read_local_addresses(tmp_path) == frozenset()


def test_this_machine_has_readable_addresses() -> None:
    # The real files parse (whatever they hold): no exception, only strings without loopback.
    assert all(not a.startswith("127.") for a in read_local_addresses())


def test_first_look_is_the_baseline_and_an_unchanged_set_does_nothing() -> None:
    watch = IpChangeWatch(interval_s=2.0)
    assert watch.due(0.0)
    assert watch.poll(0.0, A, [], True) == (None, [])
    assert not watch.due(1.9)
    assert watch.due(2.0)
    assert watch.poll(2.0, A, ["c1"], True) == (None, [])


def test_a_new_address_recovers_and_reports_each_step() -> None:
    watch = IpChangeWatch()
    watch.poll(0.0, A, [], True)
    recover, events = watch.poll(2.0, B, ["c1", "c2"], True)
    assert recover == Recover("address changed")
    assert events == [NetworkChange("recovering", "address changed", ("10.0.0.2",), ("c1", "c2"))]
    assert states(watch.registration(2.1, 200, True, ["c1", "c2"])[1]) == ["re-registered"]
    step = watch.call_updated(2.2, "c1")
    assert states(step) == ["call-restored"]
    assert step[0].call_ids == ("c1",)
    assert watch.call_updated(2.2, "other") == []
    done = watch.call_updated(2.3, "c2")
    assert states(done) == ["recovered"]
    assert done[0].call_ids == ("c2",)
    assert watch.recovery is None


def test_without_calls_the_registration_ends_the_recovery() -> None:
    watch = IpChangeWatch()
    watch.poll(0.0, A, [], True)
    watch.poll(2.0, B, [], True)
    assert states(watch.registration(2.5, 200, True, [])[1]) == ["recovered"]


def test_listen_mode_has_no_registration_to_wait_for() -> None:
    watch = IpChangeWatch()
    watch.poll(0.0, A, [], False)
    recover, _ = watch.poll(2.0, B, ["c1"], False)
    assert recover is not None
    assert states(watch.call_updated(2.4, "c1")) == ["recovered"]


def test_listen_mode_without_calls_is_done_at_once() -> None:
    watch = IpChangeWatch()
    watch.poll(0.0, A, [], False)
    recover, events = watch.poll(2.0, B, [], False)
    assert recover is not None
    assert states(events) == ["recovering", "recovered"]
    assert watch.recovery is None


def test_a_call_that_ends_during_recovery_is_not_waited_for() -> None:
    watch = IpChangeWatch()
    watch.poll(0.0, A, [], True)
    watch.poll(2.0, B, ["c1"], True)
    watch.registration(2.1, 200, True, ["c1"])
    assert states(watch.call_ended(2.2, "c1")) == ["recovered"]


def test_a_second_move_during_a_recovery_supersedes_it_and_keeps_the_calls_owed() -> None:
    watch = IpChangeWatch()
    watch.poll(0.0, A, [], True)
    watch.poll(2.0, B, ["c1"], True)
    recover, events = watch.poll(4.0, A | B, ["c2"], True)
    assert recover is not None
    assert events[0].call_ids == ("c1", "c2")
    watch.registration(4.5, 200, True, [])
    watch.call_updated(4.6, "c1")
    assert states(watch.call_updated(4.7, "c2")) == ["recovered"]


def test_link_lost_waits_and_recovers_when_an_address_comes_back() -> None:
    watch = IpChangeWatch()
    watch.poll(0.0, A, [], True)
    recover, events = watch.poll(2.0, frozenset(), ["c1"], True)
    assert recover is None
    assert states(events) == ["lost"]
    assert watch.link_down
    # Registration failures while the link is gone do not trigger anything.
    assert watch.registration(3.0, 408, False, ["c1"]) == (None, [])
    recover, events = watch.poll(4.0, A, ["c1"], True)
    assert recover == Recover("network back")
    assert states(events) == ["recovering"]
    assert not watch.link_down


def test_a_transport_failure_of_the_registration_recovers_but_not_too_often() -> None:
    watch = IpChangeWatch(registration_gap_s=30.0, give_up_s=10.0)
    watch.poll(0.0, A, [], True)
    recover, events = watch.registration(5.0, 408, False, ["c1"])
    assert recover == Recover("registration failed (408)")
    assert states(events) == ["recovering"]
    # Still failing: the recovery gives up, and the next failure within the gap does nothing.
    assert watch.registration(6.0, 503, False, ["c1"]) == (None, [])
    assert states(watch.tick(15.0)) == ["failed"]
    assert watch.registration(16.0, 408, False, ["c1"]) == (None, [])
    assert watch.registration(35.0, 408, False, ["c1"])[0] is not None


def test_a_refusal_by_the_registrar_is_not_a_network_change() -> None:
    watch = IpChangeWatch()
    watch.poll(0.0, A, [], True)
    for code in (401, 403, 404):
        assert watch.registration(5.0, code, False, []) == (None, [])


def test_a_recovery_without_an_answer_fails_with_the_reason() -> None:
    watch = IpChangeWatch(give_up_s=20.0)
    watch.poll(0.0, A, [], True)
    watch.poll(2.0, B, ["c1"], True)
    watch.registration(3.0, 200, True, ["c1"])
    assert watch.tick(21.9) == []
    failed = watch.tick(22.0)
    why = "no answer to the re-INVITE after 20 s"
    assert failed == [NetworkChange("failed", why, ("10.0.0.2",), ("c1",))]


def test_interval_zero_turns_the_watch_off() -> None:
    assert not IpChangeWatch(interval_s=0).due(100.0)


def test_the_setting_reaches_the_engine_and_is_bounded() -> None:
    settings = Settings.model_validate({"sip": {"ip_change_watch_s": 5}})
    assert engine_options(settings, lambda user, domain: None).ip_change_watch_s == 5.0
    assert engine_options(Settings(), lambda user, domain: None).ip_change_watch_s == 2.0
    with pytest.raises(ValueError, match="ip_change_watch_s"):
        Settings.model_validate({"sip": {"ip_change_watch_s": -1}})


class WatchMachine(RuleBasedStateMachine):
    """Random orders of address changes, registration answers and call events."""

    def __init__(self) -> None:
        super().__init__()
        self.watch = IpChangeWatch(interval_s=1.0, registration_gap_s=5.0, give_up_s=8.0)
        self.now = 0.0
        self.calls: set[str] = set()
        self.recovering = False

    def _apply(self, recover: Recover | None, events: list[NetworkChange]) -> None:
        for event in events:
            if event.state == "recovering":  # a new one, or one that supersedes the last
                self.recovering = True
            elif event.state in ("recovered", "failed"):
                assert self.recovering, f"{event.state} without a recovery"
                self.recovering = False
        assert (recover is not None) == any(e.state == "recovering" for e in events)

    @rule(step=st.floats(0.1, 3.0), addresses=st.sampled_from([frozenset(), A, B, A | B]))
    def poll(self, step: float, addresses: frozenset[str]) -> None:
        self.now += step
        self._apply(*self.watch.poll(self.now, addresses, sorted(self.calls), True))

    @rule(code=st.sampled_from([200, 408, 503, 403]), step=st.floats(0.0, 2.0))
    def registration(self, code: int, step: float) -> None:
        self.now += step
        self._apply(*self.watch.registration(self.now, code, code == 200, sorted(self.calls)))

    @rule(name=st.sampled_from(["c1", "c2"]))
    def call_starts(self, name: str) -> None:
        self.calls.add(name)

    @precondition(lambda self: bool(self.calls))
    @rule(data=st.data())
    def call_updated_or_ends(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.calls)))
        if data.draw(st.booleans()):
            self._apply(None, self.watch.call_updated(self.now, name))
        else:
            self.calls.discard(name)
            self._apply(None, self.watch.call_ended(self.now, name))

    @rule(step=st.floats(0.0, 10.0))
    def time_passes(self, step: float) -> None:
        self.now += step
        self._apply(None, self.watch.tick(self.now))

    @invariant()
    def one_recovery_at_most_and_it_ends_in_time(self) -> None:
        assert (self.watch.recovery is not None) == self.recovering
        recovery = self.watch.recovery
        if recovery is not None:  # it never waits for a call that has ended
            assert recovery.calls <= self.calls, (recovery.calls, self.calls)


TestWatchMachine = WatchMachine.TestCase
TestWatchMachine.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
