"""Login and the roles a backend token carries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, SecretStr

from agent_tui.domain.base import Model


class Role(StrEnum):
    """What a user may do: the backend checks it on every endpoint."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    TRAINER = "trainer"
    FIELD = "field"
    """A service account of a repair centre's or field team's system: reports the order's field steps
    through `/v1/field/...` and nothing else."""
    VOICE = "voice"
    """The keypad survey and voicemail service (`agent-tui survey`): stores callers' scores and voicemails
    and nothing else."""


class LoginRequest(Model):
    """Body of `POST /v1/sessions`."""

    username: str = Field(min_length=1, max_length=64)
    password: SecretStr = Field(min_length=1, max_length=256)


class SessionInfo(Model):
    """Answer to a login: the bearer token for every other call."""

    token: SecretStr
    role: Role
    username: str
    expires_at: datetime


class User(Model):
    """A person who logs in: agents, supervisors and trainers."""

    username: str
    display_name: str
    role: Role
    team: str | None = None
    extension: str | None = Field(default=None, description="The user's SIP extension.")
