"""The link-health model with a hand-stepped clock, the client's exchange reports, and the prober.

No Textual, no real server: `httpx.MockTransport` plays the backend (the real server is in
test_link_health_e2e.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Coroutine

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pydantic import SecretStr

from agent_tui.domain.agent import AgentStateChange, AgentStateName
from agent_tui.sync.client import BackendClient
from agent_tui.sync.desk_link import LinkStatus, OutboxWrites
from agent_tui.sync.errors import BackendProtocolError, BackendRejected, BackendUnavailable
from agent_tui.sync.events import EventStream
from agent_tui.sync.link_health import ExchangeOutcome, LinkHealth, LinkHealthStatus
from agent_tui.sync.link_probe import LinkProber
from agent_tui.sync.link_view import link_summary
from agent_tui.sync.outbox import LinkState, OutboxStatus
from agent_tui.sync.retry import Backoff, RetryPolicy
from tests.sync.test_outbox_e2e import until

OK = ExchangeOutcome.OK
FAILURES = [o for o in ExchangeOutcome if o is not OK]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def model(clock: Clock, changes: list[LinkHealthStatus] | None = None, interval: float = 3.0) -> LinkHealth:
    return LinkHealth(probe_interval_s=interval, clock=clock,
                      on_change=changes.append if changes is not None else None)


# -- the model ---------------------------------------------------------------------------------------


def test_nothing_heard_is_not_known_and_a_probe_is_due_at_once() -> None:
    health = model(Clock())
    assert health.online is None
    assert health.probe_in() == 0.0


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failure_after_success_is_offline_with_its_reason_and_a_success_brings_it_back(
    failure: ExchangeOutcome,
) -> None:
    clock, changes = Clock(), list[LinkHealthStatus]()
    health = model(clock, changes)
    health.report(OK)
    clock.now += 1
    health.report(failure, "the backend answered 200 with text/html, not JSON")
    clock.now += 1
    health.report(OK)
    assert [(c.online, c.detail) for c in changes] == [
        (True, ""), (False, "the backend answered 200 with text/html, not JSON"), (True, "")]
    assert changes[1].since == 1001.0
    assert health.failures == 0


def test_repeated_identical_failures_are_told_once() -> None:
    clock, changes = Clock(), list[LinkHealthStatus]()
    health = model(clock, changes)
    for _ in range(5):
        health.report(ExchangeOutcome.TRANSPORT_ERROR, "ConnectError")
    assert [c.online for c in changes] == [False]
    assert health.failures == 5


def test_garbage_only_is_never_online() -> None:
    clock, changes = Clock(), list[LinkHealthStatus]()
    health = model(clock, changes)
    for _ in range(10):
        health.report(ExchangeOutcome.GARBAGE, "html")
        clock.now += 3
        health.check()
    assert health.online is False
    assert all(c.online is False for c in changes)


def test_a_busy_link_is_not_probed_and_a_quiet_one_is() -> None:
    clock = Clock()
    health = model(clock)
    health.report(OK)
    for _ in range(10):
        clock.now += 2.0
        assert health.probe_in() == pytest.approx(1.0)
        health.report(OK)
    clock.now += 3.0
    assert health.probe_in() == 0.0
    health.probe_sent()
    assert health.probe_in() == pytest.approx(3.0)


def test_while_offline_probes_keep_their_pace_whatever_real_requests_do() -> None:
    clock = Clock()
    health = model(clock)
    health.probe_sent()
    health.report(ExchangeOutcome.TRANSPORT_ERROR, "refused")
    clock.now += 2.0
    health.report(ExchangeOutcome.TRANSPORT_ERROR, "refused")  # the outbox failing again
    clock.now += 1.0
    assert health.probe_in() == 0.0  # 3 s after the last probe, not after the last failure


def test_an_online_link_that_goes_silent_is_offline_after_stale_after_s() -> None:
    clock, changes = Clock(), list[LinkHealthStatus]()
    health = LinkHealth(probe_interval_s=3.0, probe_timeout_s=3.0, clock=clock, on_change=changes.append)
    assert health.stale_after_s == 8.0
    health.report(OK)
    clock.now += 7.9
    health.check()
    assert health.online is True
    clock.now += 0.2
    health.check()
    assert health.online is False
    assert changes[-1].detail == "no answer from the backend for 8 s"


def test_a_broken_listener_does_not_break_the_reporter() -> None:
    def broken(_status: LinkHealthStatus) -> None:
        raise RuntimeError("boom")

    health = LinkHealth(clock=Clock(), on_change=broken)
    health.report(OK)
    assert health.online is True


@given(st.lists(st.sampled_from(list(ExchangeOutcome)), min_size=1, max_size=30))
def test_the_latest_outcome_decides(outcomes: list[ExchangeOutcome]) -> None:
    clock, changes = Clock(), list[LinkHealthStatus]()
    health = model(clock, changes)
    for outcome in outcomes:
        clock.now += 0.5
        health.report(outcome, outcome.value)
    assert health.online is (outcomes[-1] is OK)
    assert all(a.online != b.online or a.detail != b.detail for a, b in itertools.pairwise(changes))


# -- the client's reports ------------------------------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def client_with(handler: Handler | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]],
                health: LinkHealth) -> BackendClient:
    return BackendClient("http://backend.test", transport=httpx.MockTransport(handler), token=SecretStr("t"),
                         retry=RetryPolicy(attempts=1, total=1, backoff=Backoff(base=0.01, cap=0.01)),
                         on_exchange=health.report)


HTML = httpx.Response(200, headers={"Content-Type": "text/html"}, text="<html>Please sign in to Wi-Fi</html>")


async def test_a_login_answered_with_html_is_garbage() -> None:
    health = LinkHealth(clock=Clock())
    client = client_with(lambda request: HTML, health)
    with pytest.raises(BackendProtocolError):
        await client.login("agent01", SecretStr("demo"))
    assert health.online is False
    assert "not JSON" in health.status().detail


async def test_a_login_answered_with_json_of_the_wrong_shape_is_garbage() -> None:
    health = LinkHealth(clock=Clock())
    client = client_with(lambda request: httpx.Response(201, json={"hello": "world"}), health)
    with pytest.raises(BackendProtocolError):
        await client.login("agent01", SecretStr("demo"))
    assert health.online is False
    assert "does not fit the contract" in health.status().detail


async def test_a_refusal_with_a_problem_body_is_a_live_backend() -> None:
    health = LinkHealth(clock=Clock())
    problem = {"title": "Unauthorized", "status": 401, "detail": "wrong password"}
    client = client_with(lambda request: httpx.Response(401, json=problem), health)
    with pytest.raises(BackendRejected):
        await client.login("agent01", SecretStr("nope"))
    assert health.online is True


@pytest.mark.parametrize(("answer", "expected"), [
    (httpx.ConnectError("refused"), ExchangeOutcome.TRANSPORT_ERROR),
    (httpx.ReadTimeout("slow"), ExchangeOutcome.TIMEOUT),
    (httpx.Response(503, json={"title": "down"}), ExchangeOutcome.SERVER_ERROR),
    (httpx.Response(302, headers={"Location": "http://portal/"}), ExchangeOutcome.GARBAGE),
])
async def test_each_failed_rest_call_reports_its_kind(answer: Exception | httpx.Response,
                                                      expected: ExchangeOutcome) -> None:
    seen: list[ExchangeOutcome] = []
    health = LinkHealth(clock=Clock())

    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        return answer

    def both(outcome: ExchangeOutcome, detail: str) -> None:
        seen.append(outcome)
        health.report(outcome, detail)

    client = client_with(handler, health)
    client.on_exchange = both
    with pytest.raises((BackendUnavailable, BackendRejected, BackendProtocolError)):
        await client.list_reasons()
    assert seen[-1] is expected
    assert health.online is False


async def test_a_recording_download_is_not_judged_as_json() -> None:
    health = LinkHealth(clock=Clock())
    wav = httpx.Response(200, headers={"Content-Type": "audio/wav"}, content=b"RIFF....WAVE")
    client = client_with(lambda request: wav, health)
    await client.send("GET", "/v1/recordings/c1/audio", headers={"Accept": "audio/wav"})
    assert health.online is True


async def _stream_until(client: BackendClient, done: Callable[[], bool]) -> None:
    """Iterate an event stream from `client` until `done()`, then close it."""
    stream = EventStream(client, backoff=Backoff(base=0.05, cap=0.05))
    task = asyncio.ensure_future(anext(stream.events()))
    try:
        await until(done, 5)
    finally:
        stream.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await task


async def test_event_stream_opening_and_chunks_report_success() -> None:
    health = LinkHealth(clock=Clock())
    reports: list[ExchangeOutcome] = []
    client = client_with(lambda request: httpx.Response(
        200, headers={"Content-Type": "text/event-stream"}, content=b": keep-alive\n\n"), health)
    client.on_exchange = lambda outcome, detail: reports.append(outcome)
    await _stream_until(client, lambda: len(reports) >= 2)  # the opening, then the keep-alive chunk
    assert set(reports) == {OK}


async def test_an_event_stream_answered_with_html_is_garbage() -> None:
    health = LinkHealth(clock=Clock())
    client = client_with(lambda request: HTML, health)
    await _stream_until(client, lambda: health.online is not None)
    assert health.online is False
    assert "something else than events" in health.status().detail


# -- the prober ----------------------------------------------------------------------------------------


async def run_prober_until(prober: LinkProber, done: Callable[[], bool]) -> None:
    task = prober.start()
    try:
        await until(done, 5)
    finally:
        await prober.stop()
    assert task.done()


async def test_the_prober_sees_a_healthy_backend_online() -> None:
    health = LinkHealth(probe_interval_s=0.05)
    client = client_with(lambda request: httpx.Response(200, json={"status": "ok"}), health)
    prober = LinkProber(client, health)
    await run_prober_until(prober, lambda: prober.probes >= 3)
    assert health.online is True


async def test_the_prober_never_shows_an_html_backend_online() -> None:
    changes: list[LinkHealthStatus] = []
    health = LinkHealth(probe_interval_s=0.05, on_change=changes.append)
    client = client_with(lambda request: HTML, health)
    prober = LinkProber(client, health)
    await run_prober_until(prober, lambda: prober.probes >= 5)
    assert changes
    assert all(c.online is False for c in changes)


async def test_the_prober_sees_json_without_a_healthy_status_as_garbage() -> None:
    health = LinkHealth(probe_interval_s=0.05)
    client = client_with(lambda request: httpx.Response(200, json={"status": "degraded"}), health)
    prober = LinkProber(client, health)
    await run_prober_until(prober, lambda: prober.probes >= 2)
    assert health.online is False


async def test_the_prober_gives_up_on_a_stalled_backend_after_its_timeout() -> None:
    release = asyncio.Event()

    async def stalled(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return httpx.Response(200, json={"status": "ok"})

    health = LinkHealth(probe_interval_s=0.1, probe_timeout_s=0.2)
    health.report(OK)
    client = client_with(stalled, health)
    prober = LinkProber(client, health)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await run_prober_until(prober, lambda: health.online is False)
    assert loop.time() - began < 2.0
    assert "within 0.2 s" in health.status().detail
    release.set()


@pytest.mark.parametrize(("failure", "reachable_again"), [
    (ExchangeOutcome.TRANSPORT_ERROR, True), (ExchangeOutcome.TIMEOUT, True),
    (ExchangeOutcome.SERVER_ERROR, False), (ExchangeOutcome.GARBAGE, False),
])
def test_recovery_says_whether_the_backend_was_unreachable(
    failure: ExchangeOutcome, reachable_again: bool
) -> None:
    clock, changes = Clock(), list[LinkHealthStatus]()
    health = model(clock, changes)
    health.report(OK)
    health.report(failure, "x")
    health.report(OK)
    assert [c.cause for c in changes] == [None, failure, None]
    assert [c.reachable_again for c in changes] == [False, False, reachable_again]


def test_silence_counts_as_a_timeout() -> None:
    clock, changes = Clock(), list[LinkHealthStatus]()
    health = model(clock, changes)
    health.report(OK)
    clock.now += 60
    health.check()
    health.report(OK)
    assert changes[-1].reachable_again


# -- the desk's link status (launch.OutboxWrites over the model) ----------------------------------------


async def test_the_desk_link_is_offline_until_heard_and_a_returning_backend_gets_the_queue_at_once() -> None:
    down = True
    posted: list[str] = []

    def backend(request: httpx.Request) -> httpx.Response:
        if down:
            raise httpx.ConnectError("connection refused")
        if request.url.path == "/v1/health":
            return httpx.Response(200, json={"status": "ok"})
        posted.append(request.url.path)
        return httpx.Response(201, json={"id": 1})

    health = LinkHealth(probe_interval_s=0.1)
    client = client_with(backend, health)
    writes = OutboxWrites(client, health)
    # A backoff far longer than the test: only the health model's wake can deliver in time.
    writes.outbox._backoff = Backoff(base=60.0, cap=60.0, jitter=False)
    seen: list[LinkStatus] = []
    writes.set_status_listener(seen.append)
    assert seen[-1].online is False  # told at once: nothing heard yet is not "Online"
    prober = LinkProber(client, health)
    writes.outbox.start()
    prober.start()
    try:
        writes.set_state("agent01", AgentStateChange(state=AgentStateName.READY))
        await until(lambda: writes.outbox.status().retry_in is not None, 5)
        assert seen[-1].online is False
        assert "ConnectError" in seen[-1].detail or "refused" in seen[-1].detail
        down = False
        await until(lambda: bool(posted), 5)
        await until(lambda: seen[-1].online and seen[-1].queued == 0, 5)
    finally:
        await prober.stop()
        await writes.outbox.close()
        await client.aclose()
    assert posted == ["/v1/agents/agent01/state"]


# -- the status bar's rule (link_view) -------------------------------------------------------------------

UP = LinkHealthStatus(online=True)
DOWN = LinkHealthStatus(online=False, detail="GET /v1/health: ConnectError",
                        cause=ExchangeOutcome.TRANSPORT_ERROR)
UNHEARD = LinkHealthStatus(online=None)
EARLIER = "call: 503 earlier"


@pytest.mark.parametrize(("link", "last_error", "health", "expected"), [
    (LinkState.UNKNOWN, None, UNHEARD, (False, "")),  # an empty outbox proves nothing: not "Online"
    (LinkState.UNKNOWN, None, UP, (True, "")),
    (LinkState.ONLINE, None, DOWN, (False, DOWN.detail)),  # killed after the last write
    (LinkState.OFFLINE, EARLIER, UP, (True, EARLIER)),  # back: "Syncing N" until the outbox delivers
    (LinkState.NEEDS_LOGIN, EARLIER, UP, (False, EARLIER)),
    (LinkState.TLS_ERROR, "TLS error: refused", DOWN, (False, "TLS error: refused")),  # the message stays
    (LinkState.UNKNOWN, None, None, (True, "")),  # no health model: the outbox's old rule
])
def test_the_status_bar_reads_the_outbox_with_the_health_model(
    link: LinkState, last_error: str | None, health: LinkHealthStatus | None, expected: tuple[bool, str]
) -> None:
    assert link_summary(OutboxStatus(link, queued=0, dead=0, last_error=last_error), health) == expected


class LinkHealthMachine(RuleBasedStateMachine):
    """Random reports, probes, silences and checks: the model's promises hold in any order."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.changes: list[LinkHealthStatus] = []
        self.health = LinkHealth(probe_interval_s=3.0, clock=self.clock, on_change=self.changes.append)
        self.last_outcome: ExchangeOutcome | None = None
        self.last_heard: float | None = None
        self.checked = False

    @rule(outcome=st.sampled_from(list(ExchangeOutcome)))
    def report(self, outcome: ExchangeOutcome) -> None:
        self.health.report(outcome, outcome.value)
        self.last_outcome, self.last_heard, self.checked = outcome, self.clock.now, False

    @rule(seconds=st.floats(min_value=0.0, max_value=20.0))
    def time_passes(self, seconds: float) -> None:
        self.clock.now += seconds
        self.checked = False

    @rule()
    def probe(self) -> None:
        self.health.probe_sent()

    @rule()
    def check(self) -> None:
        self.health.check()
        self.checked = True

    @invariant()
    def online_only_after_a_good_answer_heard_lately(self) -> None:
        if self.last_outcome is None:
            assert self.health.online is None
            return
        if self.health.online:
            assert self.last_outcome is ExchangeOutcome.OK
            assert self.last_heard is not None
            if self.checked:
                assert self.clock.now - self.last_heard < self.health.stale_after_s
        elif self.last_outcome is not ExchangeOutcome.OK:
            assert self.health.online is False

    @invariant()
    def a_probe_is_never_further_than_one_interval(self) -> None:
        assert 0.0 <= self.health.probe_in() <= self.health.probe_interval_s

    @invariant()
    def listeners_hear_only_changes(self) -> None:
        assert all(a.online != b.online or a.detail != b.detail for a, b in itertools.pairwise(self.changes))
        if self.changes:
            assert self.changes[-1] == self.health.status()


TestLinkHealthMachine = LinkHealthMachine.TestCase
