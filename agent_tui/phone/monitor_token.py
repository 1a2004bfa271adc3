"""Short-lived supervisor monitoring tokens: HMAC-SHA256 over a small JSON payload.

Format: `base64url(payload) "." base64url(hmac_sha256(key, base64url(payload)))`, payload
`{"mode": "listen|whisper|barge", "exp": unix_seconds, "sup": "supervisor"}`. The backend signs,
the agent's engine verifies. A token for a mode also allows the milder modes
(barge ⊃ whisper ⊃ listen), so a supervisor can step down mid-call without a new token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

_RANK = {"listen": 0, "whisper": 1, "barge": 2}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(key: str, mode: str, expires_at: float, supervisor: str = "") -> str:
    """A token granting `mode` until `expires_at` (unix seconds)."""
    if mode not in _RANK:
        raise ValueError(f"unknown monitoring mode {mode!r}")
    payload = _b64(json.dumps({"mode": mode, "exp": int(expires_at), "sup": supervisor},
                              separators=(",", ":")).encode())
    signature = hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(signature)}"


def verify_token(key: str, token: str, mode: str, now: float) -> bool:
    """True when `token` is signed with `key`, unexpired at `now`, and grants at least `mode`."""
    if mode not in _RANK or token.count(".") != 1 or len(token) > 1024:
        return False
    payload, signature = token.split(".")
    expected = hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(_unb64(signature), expected):
            return False
        claims = json.loads(_unb64(payload))
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(claims, dict):
        return False
    granted = claims.get("mode")
    expires = claims.get("exp")
    if granted not in _RANK or not isinstance(expires, int | float):
        return False
    return now < float(expires) and _RANK[mode] <= _RANK[granted]
