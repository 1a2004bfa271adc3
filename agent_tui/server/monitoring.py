"""Monitor tokens: the server secret, per-agent verification keys, and signing for supervisors.

Each agent's phone verifies tokens with its own key, `HMAC-SHA256(secret, "monitor-key:" + username)`,
handed to it by `GET /v1/phone-config`. A token signed for one agent is refused by every other phone,
and a leaked desk key opens only that desk's own phone. The secret comes from the settings, else it is
made once and kept in the database so every worker and every restart signs alike.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading

from sqlalchemy.exc import IntegrityError

from agent_tui.domain.base import utc_now
from agent_tui.phone.monitor_token import make_token
from agent_tui.server.db import Database
from agent_tui.server.models import ServerSecretRow
from agent_tui.server.settings import ServerSettings

SECRET_NAME = "monitor"  # noqa: S105 - the name of the row, not a secret


def agent_key(secret: str, username: str) -> str:
    """The key `username`'s phone verifies monitor tokens with (hex)."""
    return hmac.new(secret.encode(), f"monitor-key:{username}".encode(), hashlib.sha256).hexdigest()


class MonitorSigner:
    """Signs monitor tokens with per-agent keys derived from the server secret."""

    def __init__(self, db: Database, settings: ServerSettings) -> None:
        self.db = db
        self.ttl_s = settings.monitor_token_ttl_s
        self._secret = settings.monitor_secret.get_secret_value() if settings.monitor_secret else None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "MonitorSigner(<secret>)"

    def secret(self) -> str:
        """The server secret, made and stored on first use when the settings have none."""
        with self._lock:
            if self._secret is None:
                self._secret = stored_secret(self.db)
            return self._secret

    def key_for(self, username: str) -> str:
        """`username`'s verification key."""
        return agent_key(self.secret(), username)

    def sign(self, username: str, mode: str, supervisor: str, now: float) -> tuple[str, float]:
        """A token for `username`'s phone granting `mode`, and when it expires (unix seconds)."""
        expires = now + self.ttl_s
        return make_token(self.key_for(username), mode, expires, supervisor), float(int(expires))


def stored_secret(db: Database, name: str = SECRET_NAME) -> str:
    """The server's secret called `name`, made and kept in the database on first use (every process and
    every restart reads the same one)."""
    with db.read() as session:
        row = session.get(ServerSecretRow, name)
        if row is not None:
            return row.value
    try:
        with db.write() as session:
            session.add(ServerSecretRow(name=name, value=secrets.token_hex(32), created_at=utc_now()))
    except IntegrityError:
        pass  # another process made it first: use theirs
    with db.read() as session:
        row = session.get(ServerSecretRow, name)
        assert row is not None
        return row.value
