"""Shared base classes and small value types for the contract."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

LocalizedText = str | dict[str, str]
"""Text shown to people: one string, or a map from language code (`en`, `zh`) to string."""

JsonScalar = str | int | float | bool | None
"""A value an agent typed into a form field."""

ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def localized(text: LocalizedText, language: str) -> str:
    """Pick `language` from a localized text, falling back to English, then to any entry."""
    if isinstance(text, str):
        return text
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


class Model(BaseModel):
    """Base of every contract model: unknown fields are an error, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)


class Page(Model, Generic[T]):
    """One page of a list endpoint."""

    items: list[T]
    total: int = Field(ge=0, description="Items matching the query, over all pages.")
    limit: int = Field(ge=1)
    offset: int = Field(ge=0)


class Problem(Model):
    """An RFC 9457 problem detail, the body of every error response."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    instance: str | None = None
