"""Tables of the voice service: callers' keypad scores and voicemails.

Kept apart from models.py (which imports this module at its end, so `Base.metadata` has every table).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from agent_tui.server.models import Base


class SatisfactionRow(Base):
    """A caller's 1-5 score of a call; the call record (which may come later) says whose call it was."""

    __tablename__ = "satisfaction"
    call_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    scored_at: Mapped[datetime] = mapped_column(index=True)
    scored_by: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(20), default="")


class VoicemailRow(Base):
    """A caller's message; the WAV lives in the recordings folder under its SHA-256."""

    __tablename__ = "voicemails"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[str] = mapped_column(String(200))
    queue: Mapped[str | None] = mapped_column(String(200))
    left_at: Mapped[datetime] = mapped_column(index=True)
    duration_s: Mapped[float] = mapped_column(Float)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    callback_id: Mapped[int | None] = mapped_column(BigInteger)
