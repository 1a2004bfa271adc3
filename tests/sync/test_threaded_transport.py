"""The backend client's exchanges on worker threads (agent_tui/sync/threaded_transport.py): what goes to a
thread, what stays on the loop, and that nothing of the exchange changes on the way."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading

import httpx
import pytest
from pydantic import SecretStr

from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendUnavailable
from agent_tui.sync.threaded_transport import ThreadedTransport


class Recorder:
    """A mock backend that notes the thread each request was answered on."""

    def __init__(self, answer: httpx.Response | None = None) -> None:
        self.answer = answer
        self.threads: list[str] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.threads.append(threading.current_thread().name)
        self.requests.append(request)
        if self.answer is not None:
            return self.answer
        return httpx.Response(200, json={"matches": []})


def client_over(sync: Recorder, fallback: Recorder) -> BackendClient:
    transport = ThreadedTransport(sync=httpx.MockTransport(sync), fallback=httpx.MockTransport(fallback))
    return BackendClient("http://b.test", token=SecretStr("t"), transport=transport)


async def test_the_clients_exchanges_run_on_a_worker_thread_with_nothing_changed() -> None:
    threaded, on_loop = Recorder(), Recorder()
    client = client_over(threaded, on_loop)
    result = await client.lookup(phone="13800138000")
    response = await client.send("PUT", "/v1/agents/a/state", json_body={"state": "ready"},
                                 headers={"Idempotency-Key": "k1"})
    await client.aclose()
    assert result.matches == []
    assert response.status_code == 200
    assert on_loop.requests == []
    assert len(threaded.threads) == 2
    assert all(name.startswith("backend-http") for name in threaded.threads)
    assert threading.current_thread().name not in threaded.threads
    lookup, put = threaded.requests
    assert lookup.url.params["phone"] == "13800138000"
    assert lookup.headers["Authorization"] == "Bearer t"
    assert put.headers["Idempotency-Key"] == "k1"
    assert json.loads(put.read()) == {"state": "ready"}


async def test_a_compressed_answer_is_decoded_once() -> None:
    body = json.dumps({"status": "ok"}).encode()
    answer = httpx.Response(200, content=gzip.compress(body),
                            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    client = client_over(Recorder(answer), Recorder())
    assert await client.health() == {"status": "ok"}
    await client.aclose()


async def test_the_event_stream_stays_on_the_loop() -> None:
    threaded = Recorder()
    events = httpx.Response(200, content=b"data: {}\n\n", headers={"Content-Type": "text/event-stream"})
    on_loop = Recorder(events)
    client = client_over(threaded, on_loop)
    async with client.open_stream("/v1/events") as response:
        assert response.status_code == 200
    await client.aclose()
    assert threaded.requests == []
    assert on_loop.threads == [threading.current_thread().name]


async def test_a_transport_error_on_the_thread_reaches_the_caller_as_usual() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    transport = ThreadedTransport(sync=httpx.MockTransport(refuse), fallback=httpx.MockTransport(Recorder()))
    client = BackendClient("http://b.test", transport=transport)
    with pytest.raises(BackendUnavailable, match="ConnectError"):
        await client.send("PUT", "/v1/agents/a/state", json_body={})
    await client.aclose()


async def test_a_lookup_does_not_wait_behind_a_slow_write() -> None:
    write_started = threading.Event()
    lookup_answered = threading.Event()
    write_saw_lookup: list[bool] = []

    def backend(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":  # slow: answers only once the lookup sent after it was answered
            write_started.set()
            write_saw_lookup.append(lookup_answered.wait(5))
            return httpx.Response(200, json={})
        lookup_answered.set()
        return httpx.Response(200, json={"matches": []})

    transport = ThreadedTransport(sync=httpx.MockTransport(backend), fallback=httpx.MockTransport(Recorder()))
    client = BackendClient("http://b.test", transport=transport)
    write = asyncio.ensure_future(client.send("PUT", "/v1/agents/a/state", json_body={}))
    assert await asyncio.to_thread(write_started.wait, 5)  # the write holds its thread from now on
    result = await client.lookup(phone="13800138000")
    assert (await write).status_code == 200
    assert result.matches == []
    assert write_saw_lookup == [True]
    await client.aclose()
