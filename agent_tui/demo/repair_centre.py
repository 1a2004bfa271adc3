"""The demo's simulated repair centre: moves repair orders through the field steps on realistic timings.

`python -m agent_tui.demo.repair_centre --backend URL` runs two service users of the demo data:
- `dispatch01`, the hotline's dispatcher, issues (B) the repair orders desks filed, and issues again
  the orders the repair centre recalled;
- `field01`, the repair centre's system, reports each field step through the field API
  (docs/field-api.md): receive, forward (or not: its own team), dispatch (same site or not), accept,
  depart, on site, fixed. Now and then it recalls an order as sent to the wrong department.

Each step takes a share of its segment's limit (the `[sla]` defaults): most in time, about one in four
late, so the SLA marks and the escalations on screen mean something. Some reports arrive a little after
the step happened and carry the step's own time, as real field systems do. `--speed` compresses time
(the tests run it hundreds of times faster). Only orders filed at most `RECENT` before it started are
moved: the seeded history (older) stays as it is.
"""

from __future__ import annotations

import argparse
import logging
import random
import signal
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from agent_tui.domain.sla import SlaLimits
from agent_tui.domain.ticket import FieldStep

log = logging.getLogger("agent_tui.demo.repair_centre")

DISPATCHER = "dispatch01"
FIELD_USER = "field01"
DEMO_PASSWORD = "demo"  # noqa: S105 - the published password of the seeded demo users
POLL_S = 2.0
"""How often (in real seconds) the centre looks for new orders and due steps."""
RECENT = timedelta(minutes=10)
"""Orders filed this long before the centre started are still its to move (the seed's are older)."""


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One step of an order's plan: what, how long after the previous one, and how late it is reported."""

    step: FieldStep
    after_s: float
    report_delay_s: float = 0.0
    same_site: bool | None = None
    note: str = ""


def plan_order(rng: random.Random, limits: SlaLimits, late_share: float = 0.25) -> list[PlannedStep]:
    """The field steps of one order with their delays (seconds of simulated time)."""

    def delay(minutes: int) -> float:
        share = rng.uniform(1.1, 1.6) if rng.random() < late_share else rng.uniform(0.2, 0.85)
        return minutes * 60 * share

    def reported() -> float:
        return rng.uniform(5, 40) if rng.random() < 0.3 else 0.0

    steps = [PlannedStep(FieldStep.RECEIVE, delay(limits.bc), reported())]
    if rng.random() < 0.06:
        wrong = "不属本班组辖区 / not our district"
        return [*steps, PlannedStep(FieldStep.RECALL, delay(limits.cd), note=wrong)]
    own_team = rng.random() < 0.35
    if not own_team:
        steps.append(PlannedStep(FieldStep.FORWARD, delay(limits.cd), reported()))
    de = limits.de_same_site if own_team else limits.de_other_site
    steps.append(PlannedStep(FieldStep.DISPATCH, delay(de) if not own_team else delay(limits.cd), reported(),
                             same_site=own_team))
    # Acceptance is what escalates: late here more often than elsewhere.
    accept_share = rng.uniform(1.1, 1.5) if rng.random() < late_share * 1.4 else rng.uniform(0.2, 0.9)
    steps.append(PlannedStep(FieldStep.ACCEPT, limits.ef * 60 * accept_share, reported()))
    steps.append(PlannedStep(FieldStep.DEPART, delay(limits.fg), reported()))
    steps.append(PlannedStep(FieldStep.ON_SITE, delay(limits.gh), reported()))
    steps.append(PlannedStep(FieldStep.FIXED, rng.uniform(10, 40) * 60, reported()))
    return steps


@dataclass
class OrderRun:
    """An order the centre is moving: its plan, the next step and when it happens (simulated clock)."""

    number: str
    plan: list[PlannedStep]
    next_index: int = 0
    happens_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class RepairCentre:
    """The dispatcher and the repair centre, driven by `tick()` (the process calls it every `POLL_S`)."""

    def __init__(self, backend: str, rng: random.Random, *, speed: float = 1.0,
                 limits: SlaLimits | None = None) -> None:
        self.rng = rng
        self.speed = speed
        self.limits = limits or SlaLimits()
        self.started = datetime.now(UTC)
        self.dispatcher = httpx.Client(base_url=backend, timeout=10)
        self.field = httpx.Client(base_url=backend, timeout=10)
        self.runs: dict[str, OrderRun] = {}
        self.to_issue: dict[int, datetime] = {}
        self.done: set[str] = set()

    def login(self) -> None:
        """Log both users in."""
        for client, user in ((self.dispatcher, DISPATCHER), (self.field, FIELD_USER)):
            answer = client.post("/v1/sessions", json={"username": user, "password": DEMO_PASSWORD})
            answer.raise_for_status()
            client.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def close(self) -> None:
        """Close both connections."""
        self.dispatcher.close()
        self.field.close()

    def _later(self, seconds: float) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=seconds / self.speed)

    def tick(self) -> None:
        """Issue what is due, take on newly issued orders, report the steps that are due."""
        self._issue_due()
        self._take_new()
        self._report_due()

    def _seeded(self, order: dict[str, Any]) -> bool:
        """An order of the seeded history (older than the centre): left as it is."""
        return datetime.fromisoformat(order["created_at"]) < self.started - RECENT

    def _issue_due(self) -> None:
        waiting = self.dispatcher.get("/v1/tickets", params={
            "status": ["created", "recalled"], "type": "repair", "limit": 200}).json()["items"]
        now = datetime.now(UTC)
        for order in waiting:
            if self._seeded(order):
                continue
            if order["id"] not in self.to_issue:
                # The hotline issues within its 2 minutes, now and then late.
                share = self.rng.uniform(1.1, 1.5) if self.rng.random() < 0.15 else self.rng.uniform(0.1, 0.6)
                self.to_issue[order["id"]] = self._later(self.limits.ab * 60 * share)
            elif self.to_issue[order["id"]] <= now:
                answer = self.dispatcher.patch(f"/v1/tickets/{order['id']}", json={"status": "issued"})
                if answer.status_code == 200:
                    log.info("issued %s", order["number"])
                    del self.to_issue[order["id"]]
                    self.runs.pop(order["number"], None)  # a recalled order starts a new plan
                    self.done.discard(order["number"])

    def _take_new(self) -> None:
        issued = self.field.get("/v1/field/orders", params={"status": "issued", "limit": 200}).json()["items"]
        for order in issued:
            number = order["number"]
            if number in self.runs or number in self.done or self._seeded(order):
                continue
            plan = plan_order(self.rng, self.limits)
            self.runs[number] = OrderRun(number, plan, 0, self._later(plan[0].after_s))

    def _report_due(self) -> None:
        now = datetime.now(UTC)
        for run in list(self.runs.values()):
            planned = run.plan[run.next_index]
            reported_at = run.happens_at + timedelta(seconds=planned.report_delay_s / self.speed)
            if reported_at > now:
                continue
            body: dict[str, Any] = {"at": run.happens_at.isoformat(), "note": planned.note}
            if planned.same_site is not None:
                body["same_site"] = planned.same_site
            answer = self.field.post(f"/v1/field/orders/{run.number}/{planned.step.value}", json=body,
                                     headers={"Idempotency-Key": f"demo-{run.number}-{run.next_index}-"
                                              f"{planned.step.value}-{run.happens_at.timestamp()}"})
            if answer.status_code != 200:
                log.warning("%s %s refused: %s", run.number, planned.step.value, answer.text)
                del self.runs[run.number]  # someone else moved it (a desk, a supervisor): let it be
                self.done.add(run.number)
                continue
            log.info("%s %s", run.number, planned.step.value)
            run.next_index += 1
            if run.next_index >= len(run.plan):
                del self.runs[run.number]
                self.done.add(run.number)
                continue
            # Simulated times chain on: a late report does not delay the steps after it.
            run.happens_at = run.happens_at + timedelta(seconds=run.plan[run.next_index].after_s / self.speed)

    def run(self, stop: threading.Event) -> None:
        """Tick until `stop` is set; a lost backend is retried at the next tick."""
        self.login()
        poll = max(min(POLL_S, POLL_S / self.speed), 0.2)
        while not stop.is_set():
            try:
                self.tick()
            except httpx.HTTPError as exc:
                log.warning("backend unreachable (%s); retrying", exc)
            stop.wait(poll)


def main(argv: list[str] | None = None) -> int:
    """`python -m agent_tui.demo.repair_centre --backend URL [--speed N] [--seed N]`."""
    parser = argparse.ArgumentParser(prog="agent_tui.demo.repair_centre")
    parser.add_argument("--backend", required=True)
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    parser.add_argument("--seed", type=int, default=95598)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per poll says nothing
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    centre = RepairCentre(args.backend, random.Random(args.seed), speed=args.speed)  # noqa: S311 - a simulation
    try:
        centre.run(stop)
    finally:
        centre.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
