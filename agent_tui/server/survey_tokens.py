"""Survey tokens: what lets the keypad survey score one call, and only that call.

The survey learns which call it scores from the `X-Call-Id` the desk's transfer carries; anyone who can
place a SIP call to the survey could send any id. So the desk asks the backend for a token for ITS OWN
call (`POST /v1/calls/{call_id}/survey-token`: the agent on that call, by its live state or its call
record) and sends it along as `X-Survey-Token`; the survey passes it on with the score, and the backend
stores a score only with a token it signed for that call id that has not expired.

The desk asks, rather than the backend signing when the call record exists, because the record is posted
at hang-up and again after wrap-up, after the caller has already gone to the survey; the agent's live
state names the call while it is up, which is when the transfer happens.

Format: `EXPIRES "." base64url(HMAC-SHA256(secret, "survey-token\\n" CALL_ID "\\n" EXPIRES))`, about 55
characters whatever the call id (SIP headers reach the survey cut at 256). The call id is not inside: the
score names it in its path, so a token made for another call simply does not verify. The secret is made
once and kept in the database (`server_secrets`, row `survey`), as the monitor secret is: never in a file,
never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading

from agent_tui.server.db import Database
from agent_tui.server.monitoring import stored_secret
from agent_tui.server.settings import ServerSettings

SECRET_NAME = "survey"  # noqa: S105 - the name of the row, not a secret
MAX_TOKEN = 200
"""Longer strings are refused unread."""


def _mac(secret: str, call_id: str, expires: int) -> str:
    signed = f"survey-token\n{call_id}\n{expires}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_token(secret: str, call_id: str, expires_at: float) -> str:
    """A token letting the survey score `call_id` until `expires_at` (unix seconds)."""
    expires = int(expires_at)
    return f"{expires}.{_mac(secret, call_id, expires)}"


def refusal(secret: str, token: str | None, call_id: str, now: float) -> str | None:
    """Why `token` does not let the survey score `call_id` at `now` (None: it does), in words for the
    audit trail: `no token`, `not a survey token`, `not signed for this call` (forged, or made for another
    call), `expired`."""
    if not token:
        return "no token"
    expires_text, dot, mac = token.partition(".")
    if not dot or len(token) > MAX_TOKEN or not (expires_text.isascii() and expires_text.isdigit()):
        return "not a survey token"
    expires = int(expires_text)
    # The signature first: an expiry nobody signed says nothing.
    if not hmac.compare_digest(mac.encode(), _mac(secret, call_id, expires).encode()):
        return "not signed for this call"
    if now >= expires:
        return "expired"
    return None


class SurveySigner:
    """Signs and checks survey tokens with the server's survey secret."""

    def __init__(self, db: Database, settings: ServerSettings) -> None:
        self.db = db
        self.ttl_s = settings.survey_token_ttl_s
        self._secret: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "SurveySigner(<secret>)"

    def _key(self) -> str:
        with self._lock:
            if self._secret is None:
                self._secret = stored_secret(self.db, SECRET_NAME)
            return self._secret

    def sign(self, call_id: str, now: float) -> tuple[str, float]:
        """A token for `call_id`, and when it expires (unix seconds)."""
        expires = int(now + self.ttl_s)
        return make_token(self._key(), call_id, expires), float(expires)

    def refusal(self, token: str | None, call_id: str, now: float) -> str | None:
        """Why a score of `call_id` with `token` is refused (None: it is not)."""
        return refusal(self._key(), token, call_id, now)
