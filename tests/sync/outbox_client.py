"""A client process for the outbox end-to-end tests: journals tickets and delivers them to a real backend.

Run as `python -m tests.sync.outbox_client --url URL --db FILE --customer ID --run TAG [--first N]
[--second M] [--freeze-after K]`; the token comes in `AGENT_TUI_TEST_TOKEN` (password for a re-login in
`AGENT_TUI_TEST_PASSWORD`, user in `AGENT_TUI_TEST_USER`), never on the command line.

It prints one JSON object per line: `enqueued`, `batch_done`, `delivered`, `status`, `frozen`, `drained`.
The second batch is journalled only after a line arrives on stdin, so the test can make it while the
backend is down. `--freeze-after K` makes the process stop dead right after the K-th ticket was
accepted by the backend and before the outbox has seen the answer: the worst moment to be killed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from agent_tui.sync.client import BackendClient
from agent_tui.sync.outbox import Delivery, LinkState, Outbox, OutboxStatus
from agent_tui.sync.retry import Backoff


def emit(**fields: Any) -> None:
    """One JSON line on stdout, flushed at once (the test reads it while we run)."""
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


class FreezingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the network; after the K-th accepted ticket, hangs forever holding its answer."""

    def __init__(self, freeze_after: int | None) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.freeze_after = freeze_after
        self.accepted = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path == "/v1/tickets" and request.method == "POST" and response.status_code < 300:
            self.accepted += 1
            if self.accepted == self.freeze_after:
                await response.aread()
                emit(event="frozen", n=json.loads(request.content)["fields"]["n"],
                     key=request.headers["idempotency-key"])
                await asyncio.Event().wait()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def main(args: argparse.Namespace) -> int:
    """Journal the batches, deliver everything, report; run until drained."""
    token = SecretStr(os.environ["AGENT_TUI_TEST_TOKEN"])
    client = BackendClient(args.url, token=token, transport=FreezingTransport(args.freeze_after))
    all_enqueued = asyncio.Event()
    drained = asyncio.Event()
    relogin: set[asyncio.Task[None]] = set()

    async def login_again() -> None:
        password = SecretStr(os.environ["AGENT_TUI_TEST_PASSWORD"])
        await client.login(os.environ["AGENT_TUI_TEST_USER"], password)
        outbox.resume()

    def on_status(status: OutboxStatus) -> None:
        emit(event="status", link=status.link.value, queued=status.queued, dead=status.dead,
             last_error=status.last_error)
        if status.link == LinkState.NEEDS_LOGIN and not relogin:
            task = asyncio.get_running_loop().create_task(login_again())
            relogin.add(task)
            task.add_done_callback(relogin.discard)
        if status.queued == 0 and all_enqueued.is_set():
            drained.set()

    def on_delivered(delivery: Delivery) -> None:
        answer = delivery.response if isinstance(delivery.response, dict) else {}
        emit(event="delivered", n=delivery.item.body["fields"]["n"], id=answer.get("id"),
             status=delivery.status)

    outbox = Outbox(client, Path(args.db), on_status=on_status, on_delivered=on_delivered,
                    backoff=Backoff(base=0.05, cap=0.5))
    outbox.start()

    async def enqueue(numbers: range) -> None:
        for n in numbers:
            body = {"ticket_type": "consultation", "customer_id": args.customer,
                    "subject": f"outbox {args.run} #{n}", "fields": {"n": n}}
            await outbox.enqueue("POST", "/v1/tickets", body, "ticket")
            emit(event="enqueued", n=n)

    await enqueue(range(args.first))
    emit(event="batch_done", batch=1)
    if args.second:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await enqueue(range(args.first, args.first + args.second))
        emit(event="batch_done", batch=2)
    all_enqueued.set()
    if outbox.status().queued == 0:
        drained.set()
    await drained.wait()
    emit(event="drained", delivered=outbox.delivered, dead=outbox.status().dead)
    await outbox.close()
    await client.aclose()
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--customer", type=int, required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--second", type=int, default=0)
    parser.add_argument("--freeze-after", type=int, default=None)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
