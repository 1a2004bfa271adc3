"""Alerts about the agent's own orders, as the desk shows them: one line, never a focus thief.

The backend's deadline watcher sends an `order_alert` event to the filing agent's stream when its
server is set to (`[escalation] notify_filing_agent`); the desk shows them when `[desk] order_alerts`
is on. Plain state, no Textual: each alert is counted once (the stream may replay after a reconnect),
the newest is the one the line names, and the count says how many more there are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from agent_tui.domain.escalation import OrderAlert
from agent_tui.domain.sla import OrderAlertLevel

KEPT = 50
"""Alerts remembered at most (the oldest are forgotten first)."""


@dataclass
class OrderAlertBook:
    """The alerts of this agent's orders seen this session."""

    username: str
    alerts: list[OrderAlert] = field(default_factory=list)
    """Newest last."""

    def apply(self, data: Mapping[str, Any]) -> OrderAlert | None:
        """An `order_alert` event's data; the alert when it is new and about this agent's order."""
        try:
            alert = OrderAlert.model_validate(data)
        except ValidationError:
            return None
        if alert.filed_by != self.username or any(a.id == alert.id for a in self.alerts):
            return None
        self.alerts.append(alert)
        del self.alerts[:-KEPT]
        return alert

    @property
    def newest(self) -> OrderAlert | None:
        """The alert the line names."""
        return self.alerts[-1] if self.alerts else None

    @property
    def breached(self) -> int:
        """How many of the alerts are breaches (the rest are at risk)."""
        return sum(1 for a in self.alerts if a.level == OrderAlertLevel.BREACHED)


ALERT_LABELS: dict[str, str] = {
    "not_accepted": "Order {number}: dispatched, not accepted in time (due {time}).",
    OrderAlertLevel.BREACHED.value: "Order {number}: {segment} breached (due {time}).",
    OrderAlertLevel.AT_RISK.value: "Order {number}: {segment} at risk (due {time}).",
}
"""English msgids of the alert line (parameters: number, segment, time)."""


def alert_msgid(alert: OrderAlert) -> str:
    """The English msgid that describes one alert."""
    return ALERT_LABELS["not_accepted" if alert.not_accepted else alert.level.value]
