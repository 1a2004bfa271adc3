"""Tables of trainer mode and of desks' softphone addresses: scored training attempts, where a desk in
training answers, and where any desk answers for desk-to-desk calls.

Kept apart from models.py (which imports this module at its end, so `Base.metadata` has every table).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from agent_tui.server.models import Base, BigId


class TrainingAttemptRow(Base):
    """A scored training attempt (trainer mode): the score card and what led to it, kept apart from KPIs."""

    __tablename__ = "training_attempts"
    __table_args__ = (Index("ix_training_attempts_trainee_at", "trainee", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    attempt_id: Mapped[str] = mapped_column(String(64), unique=True)
    scenario_id: Mapped[str] = mapped_column(String(64), index=True)
    trainee: Mapped[str] = mapped_column(String(64))
    launched_by: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime]
    total: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any]]


class TrainingPresenceRow(Base):
    """Where the softphone of a desk in training status answers, as the desk announced it."""

    __tablename__ = "training_presence"
    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", ondelete="CASCADE"), primary_key=True
    )
    sip_uri: Mapped[str] = mapped_column(String(256))
    since: Mapped[datetime]


class DeskAddressRow(Base):
    """Where a desk's softphone answers, as the desk announced it (desk-to-desk calls with no registrar)."""

    __tablename__ = "desk_addresses"
    username: Mapped[str] = mapped_column(
        ForeignKey("users.username", ondelete="CASCADE"), primary_key=True
    )
    sip_uri: Mapped[str] = mapped_column(String(256))
    since: Mapped[datetime]
