"""What the server's converters read of a user's and an agent state's columns.

Both an ORM row (`UserRow`, `AgentStateRow`) and the plain columns a Core query returns (the batched
state writer, the wallboard's rows) fit these, so one converter serves both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class UserColumns(Protocol):
    """A user's columns that every agent view shows."""

    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def team(self) -> str | None: ...
    @property
    def extension(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...


class UserFields(UserColumns, Protocol):
    """What `convert.agent` reads of a user: the columns and the role."""

    @property
    def role(self) -> str: ...


class StateFields(Protocol):
    """What `convert.agent` reads of an agent's state."""

    @property
    def state(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def since(self) -> datetime: ...
    @property
    def call_id(self) -> str | None: ...
    @property
    def call_number(self) -> str | None: ...
    @property
    def customer_id(self) -> int | None: ...
    @property
    def queue(self) -> str | None: ...
    @property
    def hold_since(self) -> datetime | None: ...


class BoardStateFields(StateFields, Protocol):
    """What a wallboard row reads of an agent's state: the above, the call's start and a raised hand."""

    @property
    def call_started(self) -> datetime | None: ...
    @property
    def hand_raised_at(self) -> datetime | None: ...
