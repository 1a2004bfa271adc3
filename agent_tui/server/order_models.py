"""Tables of the order deadline watcher: the deadlines it will judge and the alerts it raised.

Kept apart from models.py (which imports this module at its end, so `Base.metadata` has every table).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agent_tui.server.models import Base, BigId


class OrderDeadlineRow(Base):
    """A deadline of an open order the watcher will judge when it is due (one row per segment and level).

    Rows are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL and deleted in the transaction that
    raises their alert, so one process raises each alert however many run.
    """

    __tablename__ = "order_deadlines"
    __table_args__ = (UniqueConstraint("ticket_id", "segment", "level", name="uq_order_deadlines"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    segment: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(index=True)


class OrderAlertRow(Base):
    """An alert the watcher raised on an order; the unique key makes a second raise of it a no-op."""

    __tablename__ = "order_alerts"
    __table_args__ = (UniqueConstraint("ticket_id", "segment", "level", "due_at", name="uq_order_alerts"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    segment: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime]
    raised_at: Mapped[datetime] = mapped_column(index=True)
    filed_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
