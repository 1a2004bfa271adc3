"""`LinkProber`: keeps `LinkHealth` current with a light `GET /v1/health` when the link is quiet.

Real exchanges report to the model on their own (`BackendClient.on_exchange`); the prober only
fills the silences: it probes when nothing was exchanged for `probe_interval_s` (and every
`probe_interval_s` while offline, so recovery shows within one interval), waits at most
`probe_timeout_s` for the answer, and judges it itself: 200 with a JSON object saying
`"status": "ok"`, else a failure. A stalled backend (accepting connections, never answering)
therefore shows offline within interval + timeout, a dead one within one interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendTlsError, BackendUnavailable
from agent_tui.sync.link_health import ExchangeOutcome, LinkHealth
from agent_tui.sync.responses import exchange_outcome

log = logging.getLogger(__name__)

HEALTH_PATH = "/v1/health"
"""The cheapest route of the contract: public, one `SELECT 1` on the backend."""
MAX_POLL_S = 0.5
"""The prober looks at the model at least this often (the silence rule, probes falling due)."""


class LinkProber:
    """A task on the client's event loop that probes the backend when the link is quiet."""

    def __init__(self, client: BackendClient, health: LinkHealth, *, path: str = HEALTH_PATH) -> None:
        self.client = client
        self.health = health
        self.path = path
        self.probes = 0
        """Probes sent so far."""
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> asyncio.Task[None]:
        """Start probing on the running loop (once)."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.get_running_loop().create_task(self.run(), name="link-prober")
        return self._task

    async def stop(self) -> None:
        """Stop probing (a probe in flight is abandoned)."""
        task, self._task = self._task, None
        self._stopping = True  # besides the cancel, which a probe finishing at that moment can swallow
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        """Probe whenever the model says one is due, until cancelled; never raises otherwise."""
        while not self._stopping:
            try:
                self.health.check()
                if self.health.probe_in() <= 0:
                    await self.probe()
            except Exception:  # the prober must outlive any surprise; the model stays as it was
                log.exception("link prober: a probe failed unexpectedly")
            await asyncio.sleep(min(max(self.health.probe_in(), 0.05), MAX_POLL_S))

    async def probe(self) -> ExchangeOutcome:
        """One probe now; its outcome is reported to the model and returned."""
        timeout = self.health.probe_timeout_s
        self.health.probe_sent()
        self.probes += 1
        try:
            async with asyncio.timeout(timeout):
                response = await self.client.send("GET", self.path, report=False)
        except TimeoutError:
            outcome, detail = ExchangeOutcome.TIMEOUT, f"no answer to the health check within {timeout:g} s"
        except BackendTlsError as exc:
            outcome, detail = ExchangeOutcome.TRANSPORT_ERROR, exc.message
        except BackendUnavailable as exc:
            timed_out = "timed out" in exc.message
            outcome = ExchangeOutcome.TIMEOUT if timed_out else ExchangeOutcome.TRANSPORT_ERROR
            detail = exc.message
        else:
            outcome, detail = exchange_outcome(response)
            if outcome is ExchangeOutcome.OK and not _says_ok(response.content):
                outcome = ExchangeOutcome.GARBAGE
                detail = f"the health check answered {response.status_code} without a healthy status"
        self.health.report(outcome, detail)
        return outcome


def _says_ok(body: bytes) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("status") == "ok"
