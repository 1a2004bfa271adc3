"""Wrap-up (话后处理) of one call: what the agent typed so far, and when after-call work began."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WrapUp:
    """What the agent recorded about a call (or has typed so far)."""

    disposition: str | None = None
    resolved: bool | None = True
    transfer_reason: str = ""
    notes: str = ""

    @property
    def typed(self) -> bool:
        """The agent entered something beyond the defaults."""
        return bool(self.disposition or self.transfer_reason.strip() or self.notes.strip())

    def record_fields(self) -> dict[str, object]:
        """The call record's wrap-up fields."""
        return {"disposition": self.disposition, "first_call_resolved": self.resolved,
                "transfer_reason": self.transfer_reason or None, "notes": self.notes}


@dataclass
class PendingWrapUp:
    """A call's wrap-up not saved yet: its after-call work runs from `started` (monotonic seconds)."""

    call_id: str
    started: float
    values: WrapUp
    panel_open: bool = False
