"""Whether a call's line is bad now: the engine's `CallStats` judged against fixed limits.

The limits are the usual ones for a voice call: one-way jitter above 30 ms is heard as warble (a
jitter buffer of 40-60 ms absorbs less), packet loss above 3 % as gaps even with concealment, and an
E-model MOS under 3.6 is where users start to complain (ITU-T G.107 "some users dissatisfied").
Each report stands alone: the engine averages over its interval (`stats_interval_s`), so one
report already smooths single bursts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from agent_tui.phone.events import CallEnded, CallStats, PhoneEvent

JITTER_BAD_MS = 30.0
LOSS_BAD_PCT = 3.0
MOS_BAD = 3.6

Problem = Literal["jitter", "loss", "mos"]


@dataclass(frozen=True)
class LineQuality:
    """The latest figures of one call and what is wrong with them (nothing: a good line)."""

    codec: str
    jitter_ms: float
    loss_pct: float
    mos: float
    problems: tuple[Problem, ...] = ()

    @property
    def bad(self) -> bool:
        """Something is wrong enough for the agent to hear it."""
        return bool(self.problems)


def judge(stats: CallStats) -> LineQuality:
    """The quality these figures describe. A report before any packet arrived judges nothing
    (its MOS is an estimate of an empty stream)."""
    problems: list[Problem] = []
    if stats.rx_packets > 0:
        if stats.jitter_ms > JITTER_BAD_MS:
            problems.append("jitter")
        if stats.loss_pct > LOSS_BAD_PCT:
            problems.append("loss")
        if 0 < stats.mos < MOS_BAD:
            problems.append("mos")
    return LineQuality(stats.codec, stats.jitter_ms, stats.loss_pct, stats.mos, tuple(problems))


class QualityBook:
    """The latest `LineQuality` of every call that is up; fed with every engine event."""

    def __init__(self) -> None:
        self._calls: dict[str, LineQuality] = {}

    def apply(self, event: PhoneEvent) -> bool:
        """Take in one event; True when what a call strip would show changed."""
        if isinstance(event, CallStats) and not event.final:
            before = self._calls.get(event.call_id)
            now = self._calls[event.call_id] = judge(event)
            return before is None or before.problems != now.problems
        if isinstance(event, CallEnded):
            return self._calls.pop(event.call_id, None) is not None
        return False

    def of(self, call_id: str) -> LineQuality | None:
        """The call's latest quality (None: no report yet, or the call is over)."""
        return self._calls.get(call_id)
