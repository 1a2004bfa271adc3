"""Fixes for faults found by fault injection: bounded call memory, recordings disk, slow pops."""

from __future__ import annotations

import asyncio
import ssl
import time
from functools import partial
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.desk import book as book_module
from agent_tui.desk import lookup as lookup_module
from agent_tui.desk.calls import CallPhase, LookupState
from agent_tui.phone.events import CallEnded, CallState, RecordingReady
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendTlsError, BackendUnavailable
from agent_tui.sync.outbox import LinkState, Outbox, OutboxStatus
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.app import DeskApp
from agent_tui.ui.desk.customer_card import CustomerCard
from agent_tui.ui.desk.status_bar import StatusBar
from tests.ui.doubles import FakeBackend, customer, full_match
from tests.ui.helpers import lookup_is, make_app, wait_until


def ended(app: DeskApp, call_id: str) -> bool:
    """Whether the desk has seen `call_id` end."""
    return app.desk.calls[call_id].phase is CallPhase.ENDED


async def test_kept_lookup_results_are_bounded_over_many_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(book_module, "DETAILED_CALLS", 4)
    monkeypatch.setattr(book_module, "HISTORY_CALLS", 12)
    monkeypatch.setattr(lookup_module, "LOOKUP_CACHE_SIZE", 3)
    calls = 30
    numbers = [f"1380000{index:04d}" for index in range(calls)]
    backend = FakeBackend({n: [full_match(customer(cid=i + 1, phone=n))] for i, n in enumerate(numbers)})
    app, phone, _, _ = make_app(backend, options=DeskOptions(username="agent1", acw_mode="optional"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        for index, number in enumerate(numbers):
            call_id = f"c{index}"
            phone.ring(call_id=call_id, number=number)
            await wait_until(pilot, partial(lookup_is, app, LookupState.FOUND, call_id), what="pop")
            phone.emit(CallState(call_id=call_id, state="confirmed"))
            phone.emit(CallEnded(call_id=call_id, reason="bye", code=200, duration_s=1.0))
            await wait_until(pilot, partial(ended, app, call_id), what=f"{call_id} ended")
        desk = app.desk
        detailed = [c for c in desk.calls.values() if c.match is not None or c.matches]
        assert len(detailed) <= 4 + 1  # + the last call, still to wrap up
        assert len(desk.calls) <= 12
        assert len(desk.lookup_cache) <= 3
        # The newest calls keep everything; the summaries keep what the history shows.
        newest = desk.calls[f"c{calls - 1}"]
        assert newest.match is not None
        oldest_kept = next(iter(desk.calls.values()))
        assert oldest_kept.match is None
        assert oldest_kept.customer is not None
        assert oldest_kept.number


def refusing_certificate(request: httpx.Request) -> httpx.Response:
    """A transport whose TLS handshake fails certificate verification (as httpx reports it)."""
    cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed certificate")
    cause.verify_message = "self-signed certificate"
    raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]", request=request) from cause


async def test_bad_certificate_is_a_tls_error_not_unavailable() -> None:
    tries: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        return refusing_certificate(request)

    async with BackendClient("https://b.test", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(BackendTlsError, match=r"TLS error: .*self-signed certificate"):
            await client.get_json("/v1/reasons")
    assert len(tries) == 1  # not retried
    assert not issubclass(BackendTlsError, BackendUnavailable)


async def test_plain_connect_error_stays_retryable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with BackendClient("https://b.test", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(BackendUnavailable):
            await client.send("GET", "/v1/reasons")


async def test_outbox_stops_on_a_tls_error_and_says_so(tmp_path: Path) -> None:
    tries: list[httpx.Request] = []
    statuses: list[OutboxStatus] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        return refusing_certificate(request)

    async def no_sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    client = BackendClient("https://b.test", token=SecretStr("t"), transport=httpx.MockTransport(handler))
    outbox = Outbox(client, tmp_path / "o.db", sleep=no_sleep, on_status=statuses.append)
    await outbox.enqueue("POST", "/v1/tickets", {"n": 1}, "ticket")
    outbox.start()
    deadline = time.monotonic() + 5
    while outbox.status().link != LinkState.TLS_ERROR:
        assert time.monotonic() < deadline, "the outbox never reported the TLS error"
        await asyncio.sleep(0.01)
    await outbox.enqueue("POST", "/v1/tickets", {"n": 2}, "ticket")
    for _ in range(50):  # give a spinning sender every chance to show itself
        await asyncio.sleep(0)
    status = outbox.status()
    assert len(tries) == 1
    assert status.queued == 2
    assert status.dead == 0
    assert (status.last_error or "").startswith("TLS error:")
    assert status.retry_in is None
    await outbox.close()


async def test_slow_lookup_marks_the_card_and_keeps_the_mark() -> None:
    c = customer()
    backend = FakeBackend({"13800138000": [full_match(c)]})
    app, phone, _, _ = make_app(backend, options=DeskOptions(username="agent1", slow_lookup_s=0.3))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        backend.delay = 1.0  # slower than slow_lookup_s
        phone.ring()
        await wait_until(pilot, lambda: "(slow)" in app.desk.query_one(CustomerCard).shown, what="slow mark")
        assert "Looking up" in app.desk.query_one(CustomerCard).shown
        await wait_until(pilot, lambda: lookup_is(app, LookupState.FOUND), what="card")
        await wait_until(pilot, lambda: "张三" in app.desk.query_one(CustomerCard).shown, what="card painted")
        assert "slow lookup (" in app.desk.query_one(CustomerCard).shown
        assert "slow" in app.desk.query_one(StatusBar).cell("link").shown


async def test_fast_lookup_has_no_slow_mark() -> None:
    backend = FakeBackend({"13800138000": [full_match(customer())]})
    app, phone, _, _ = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        phone.ring()
        await wait_until(pilot, lambda: "张三" in app.desk.query_one(CustomerCard).shown, what="card painted")
        assert "slow" not in app.desk.query_one(CustomerCard).shown


def talking(app: DeskApp, call_id: str = "c1") -> bool:
    """Whether the call is up."""
    call = app.desk.calls.get(call_id)
    return call is not None and call.phase is CallPhase.TALKING


def notices(app: DeskApp) -> list[str]:
    """The texts of the notifications on screen now."""
    return [str(n.message) for n in app._notifications]


async def test_answer_warns_when_the_recordings_disk_is_nearly_full(tmp_path: Path) -> None:
    # Any real folder has less than a petabyte free: the threshold makes this one "nearly full".
    options = DeskOptions(username="agent1", recordings_dir=tmp_path, recordings_min_free_mb=10**9)
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}), options=options)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        phone.ring()
        phone.emit(CallState(call_id="c1", state="confirmed"))
        await wait_until(pilot, lambda: any("recordings disk" in n for n in notices(app)), what="warning")
        assert talking(app)


async def test_no_space_warning_with_room_to_spare(tmp_path: Path) -> None:
    options = DeskOptions(username="agent1", recordings_dir=tmp_path, recordings_min_free_mb=0)
    app, phone, _, _ = make_app(FakeBackend({"13800138000": [full_match(customer())]}), options=options)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        phone.ring()
        phone.emit(CallState(call_id="c1", state="confirmed"))
        await wait_until(pilot, lambda: talking(app), what="talking")
        await pilot.pause()
        assert not any("recordings disk" in n for n in notices(app))


async def test_an_empty_recording_is_reported(tmp_path: Path) -> None:
    empty = tmp_path / "c1.wav"
    empty.write_bytes(b"RIFF" + b"\0" * 40)  # a header and no audio
    options = DeskOptions(username="agent1", recordings_dir=tmp_path, recordings_min_free_mb=0)
    app, phone, _, _ = make_app(options=options)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.desk.logged_in, what="login")
        phone.emit(RecordingReady(call_id="c1", path=str(empty)))
        await wait_until(pilot, lambda: any("holds no audio" in n for n in notices(app)), what="report")
