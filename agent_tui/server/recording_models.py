"""Tables of call recordings and what is made of them: the recordings, model calls for trainees, and
QA scores.

Kept apart from models.py (which imports this module at its end, so `Base.metadata` has every table).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from agent_tui.server.models import Base


class RecordingRow(Base):
    """A call recording; the WAV lives in the recordings folder under its SHA-256."""

    __tablename__ = "recordings"
    __table_args__ = (Index("ix_recordings_started", "started_at"),)
    call_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    agent: Mapped[str | None] = mapped_column(String(64), index=True)
    queue: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    number: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime | None]
    duration_s: Mapped[float] = mapped_column(Float)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime]
    uploaded_by: Mapped[str] = mapped_column(String(64))
    training: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ModelCallRow(Base):
    """A recording marked as a model call (an example for trainees), with its title and note."""

    __tablename__ = "model_calls"
    call_id: Mapped[str] = mapped_column(String(128), ForeignKey("recordings.call_id", ondelete="CASCADE"),
                                         primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    marked_by: Mapped[str] = mapped_column(String(64))
    marked_at: Mapped[datetime]


class QaScoreRow(Base):
    """The QA score of one call (7 items, 100 points)."""

    __tablename__ = "qa_scores"
    call_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    agent: Mapped[str | None] = mapped_column(String(64), index=True)
    scorer: Mapped[str] = mapped_column(String(64))
    scored_at: Mapped[datetime]
    items: Mapped[dict[str, Any]]
    total: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
