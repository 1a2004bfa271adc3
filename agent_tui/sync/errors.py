"""Typed errors of the sync layer: what the UI shows instead of a traceback."""

from __future__ import annotations

from agent_tui.domain.base import Problem


class SyncError(Exception):
    """Base of every error the sync layer raises."""


class BackendUnavailable(SyncError):
    """The backend could not be reached or kept failing (transport error, timeout, 5xx after retries)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        """The last HTTP status seen, when the backend answered at all."""


class BackendRejected(SyncError):
    """The backend refused the request (4xx): `problem` is its RFC 9457 detail."""

    def __init__(self, status: int, problem: Problem) -> None:
        detail = problem.detail or problem.title
        super().__init__(f"{status} {problem.title}: {detail}" if problem.detail else f"{status} {detail}")
        self.status = status
        self.problem = problem


class AuthenticationRequired(BackendRejected):
    """401: no token, a bad one or an expired one; the user has to log in again."""


class BackendTlsError(SyncError):
    """The backend's TLS certificate was refused (untrusted, expired, wrong host).

    Not retryable: a misconfigured certificate or CA file does not heal by trying again, so the outbox
    stops and the message tells the user what to fix.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BackendProtocolError(SyncError):
    """The backend answered with a body that does not fit the contract (not JSON, wrong shape)."""
