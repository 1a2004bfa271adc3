"""Reports (`GET /v1/reports`): rows per half hour, day, week or month, by queue, team or agent.

`domain.supervision` names these models too, for the code that imports them from there.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from agent_tui.domain.base import Model


class ReportPeriod(StrEnum):
    """Report granularity."""

    HALF_HOUR = "half_hour"
    DAY = "day"
    WEEK = "week"
    """Monday to Sunday."""
    MONTH = "month"


class ReportBy(StrEnum):
    """What a report row is grouped by."""

    QUEUE = "queue"
    TEAM = "team"
    AGENT = "agent"


class ReportRow(Model):
    """One row of a report: one period × one queue, team or agent.

    By queue, offered/answered/abandoned count callers as the wallboard does; by agent or team they
    count the calls that reached the agents (offered), were answered, and were lost while ringing
    there. Times follow `domain.figures`: talk excludes hold; AHT = (talk + hold + ACW) ÷ handled.
    Occupancy and utilisation are agents' figures (empty by queue).
    """

    period_start: datetime
    key: str = Field(description="The queue, team or agent name.")
    offered: int = Field(default=0, ge=0)
    answered: int = Field(default=0, ge=0)
    abandoned: int = Field(default=0, ge=0)
    short_abandoned: int = Field(default=0, ge=0)
    service_level: float | None = None
    answer_rate: float | None = None
    abandon_rate: float | None = None
    asa_s: float | None = None
    aht_s: float | None = Field(default=None, description="(talk + hold + ACW) ÷ handled.")
    handled: int = Field(default=0, ge=0, description="Calls whose talk, hold and ACW are summed here.")
    talk_s: float = Field(default=0.0, ge=0, description="Total talk: answered → ended minus hold.")
    hold_s: float = Field(default=0.0, ge=0, description="Total time on hold.")
    acw_s: float = Field(default=0.0, ge=0, description="Total after-call work.")
    avg_hold_s: float | None = Field(default=None, description="hold ÷ handled.")
    avg_abandon_s: float | None = Field(default=None, description="Average wait of abandoned callers.")
    transferred: int = Field(default=0, ge=0)
    transfer_rate: float | None = Field(default=None, description="transferred ÷ handled.")
    occupancy: float | None = Field(default=None, description="On call ÷ (on call + Ready idle).")
    utilisation: float | None = Field(default=None, description="talk ÷ logged-in time.")
    fcr: float | None = None
    qa_avg: float | None = None
    visits: int = Field(default=0, ge=0, description="Return visits (回访) recorded, by who made them.")
    visit_satisfied: float | None = Field(default=None, description="Attitude satisfied ÷ visits.")
    visit_resolved: float | None = Field(default=None, description="Resolved ÷ visits.")
    visit_score_avg: float | None = Field(default=None, description="Average score (1-10) of the visits.")
    satisfaction_count: int = Field(default=0, ge=0, description="Calls the caller scored by keypad (1-5), "
                                    "by when the call was answered.")
    satisfaction_avg: float | None = Field(default=None, description="Average keypad score (1-5).")


class Report(Model):
    """Answer to `GET /v1/reports` as JSON."""

    period: ReportPeriod
    by: ReportBy
    start: datetime = Field(description="From here (`from`; a day: its start on the report clock).")
    end: datetime = Field(description="Up to here, excluded (`to`; a day: the end of it; `from` = `to`: "
                                      "the end of that day).")
    rows: list[ReportRow]
