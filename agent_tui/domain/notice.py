"""Outage notices (停电预告) and knowledge-base articles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from agent_tui.domain.base import LongText, Model, ShortText


class NoticeKind(StrEnum):
    """Planned work or an unplanned fault."""

    PLANNED = "planned"
    FAULT = "fault"


class OutageNotice(Model):
    """A notice that service in an area is or will be interrupted."""

    id: int
    area: ShortText
    kind: NoticeKind = NoticeKind.PLANNED
    title: ShortText
    detail: LongText = ""
    starts_at: datetime
    ends_at: datetime | None = None


class KbArticle(Model):
    """A knowledge-base article: FAQ, policy, tariff or notice."""

    id: int
    title: ShortText
    body: LongText
    category: ShortText = Field(default="faq", description="faq, policy, tariff, notice, ...")
    language: str = Field(default="zh", pattern=r"^[a-z]{2}$")
    tags: list[str] = Field(default_factory=list)
