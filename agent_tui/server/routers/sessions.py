"""`/v1/sessions`: log in for a bearer token, see who you are, log out."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from sqlalchemy import delete, select
from starlette.responses import JSONResponse, Response

from agent_tui.domain.base import utc_now
from agent_tui.domain.session import LoginRequest, Role, SessionInfo, User
from agent_tui.server import audit, convert
from agent_tui.server.auth import CurrentUser, Db
from agent_tui.server.models import TokenRow, UserRow
from agent_tui.server.problems import ProblemError
from agent_tui.server.ratelimit import LoginLimiter
from agent_tui.server.security import DUMMY_HASH, new_token, token_hash, verify_password

router = APIRouter(prefix="/v1/sessions", tags=["sessions"])


@router.post("", status_code=201, response_model=SessionInfo)
def login(body: LoginRequest, request: Request, db: Db) -> Response:
    """Check a username and password; answer a new bearer token (429 after too many failures)."""
    limiter: LoginLimiter = request.app.state.login_limiter
    address = request.client.host if request.client else None
    wait = limiter.retry_after(body.username, address)
    if wait is not None:
        raise ProblemError(429, f"too many failed logins; try again in {wait} s",
                           headers={"Retry-After": str(wait)})
    password = body.password.get_secret_value()
    with db.read() as session:
        user = session.execute(select(UserRow).where(UserRow.username == body.username)).scalar_one_or_none()
    ok = verify_password(password, user.password_hash if user else DUMMY_HASH)
    if user is None or not ok:
        backoffs = limiter.failed(body.username, address)
        if backoffs:
            with db.write() as session:
                for backoff in backoffs:
                    audit.record(session, body.username[:64], "login_backoff", detail={
                        "by": backoff.kind, "address": address or "?", "failures": backoff.failures,
                        "delay_s": backoff.delay_s,
                    })
        raise ProblemError(401, "invalid username or password")
    limiter.succeeded(body.username)
    token = new_token()
    now = utc_now()
    expires = now + timedelta(seconds=request.app.state.settings.token_ttl_s)
    with db.write() as session:
        session.execute(delete(TokenRow).where(TokenRow.user_id == user.id, TokenRow.expires_at <= now))
        session.add(
            TokenRow(token_hash=token_hash(token), user_id=user.id, created_at=now, expires_at=expires)
        )
    info = SessionInfo(token=token, role=Role(user.role), username=user.username, expires_at=expires)
    payload = info.model_dump(mode="json")
    payload["token"] = token  # the one place the secret leaves the server
    return JSONResponse(payload, status_code=201, headers={"Cache-Control": "no-store"})


@router.get("/current")
def whoami(user: CurrentUser, db: Db) -> User:
    """The logged-in user."""
    with db.read() as session:
        row = session.get(UserRow, user.id)
        if row is None:
            raise ProblemError(401, "unknown user")
        return convert.user(row)


@router.delete("/current", status_code=204)
def logout(user: CurrentUser, db: Db, request: Request) -> Response:
    """Forget the token of this request."""
    request.app.state.token_cache.drop(user.token_hash)
    with db.write() as session:
        session.execute(delete(TokenRow).where(TokenRow.token_hash == user.token_hash))
    return Response(status_code=204)
