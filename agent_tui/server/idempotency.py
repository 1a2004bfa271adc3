"""Idempotency-Key: a write retried with the same key gets the first answer again, not a second effect.

The key is stored with a fingerprint of the request (method, path and the canonical JSON of the
validated body) and the response. The same key with another request is a 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated

from fastapi import Header
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from agent_tui.domain.base import utc_now
from agent_tui.server.db import Database
from agent_tui.server.models import IdempotencyRow
from agent_tui.server.problems import ProblemError

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
"""Response header set on an answer given again from the store."""

KeyHeader = Annotated[
    str | None,
    Header(alias=HEADER, max_length=200,
           description="Same key and body: the first answer again; same key, other body: 409."),
]
"""The Idempotency-Key header of a keyed write, as a route parameter."""


def fingerprint(method: str, path: str, body: BaseModel) -> str:
    """SHA-256 of the request's method, path and canonical body."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def check_key(key: str | None) -> None:
    """422 for an empty key (the header's length is limited by its declaration)."""
    if key is not None and not key.strip():
        raise ProblemError(422, "must not be empty", field=f"header.{HEADER}")


def replay(session: Session, key: str, username: str, print_: str) -> Response | None:
    """The stored answer for `key`, None when it is new; 409 when it came with another request."""
    row = session.get(IdempotencyRow, key)
    if row is None:
        return None
    if row.username != username or row.body_hash != print_:
        raise ProblemError(
            409, "this Idempotency-Key was used with another request", field=f"header.{HEADER}"
        )
    return Response(
        row.response, status_code=row.status_code, media_type="application/json", headers={REPLAYED: "true"}
    )


def replay_from(db: Database, key: str | None, username: str, print_: str) -> Response | None:
    """`replay` in its own read transaction; None without a key."""
    if key is None:
        return None
    with db.read() as session:
        return replay(session, key, username, print_)


def begin(db: Database, key: str | None, username: str, method: str, path: str, body: BaseModel
          ) -> tuple[str, Response | None]:
    """The start of every keyed write: the key checked, the request's fingerprint, and the stored
    answer when this request was already answered (None: carry it out)."""
    check_key(key)
    print_ = fingerprint(method, path, body)
    return print_, replay_from(db, key, username, print_)


def after_race(db: Database, key: str | None, username: str, print_: str, error: Exception) -> Response:
    """A keyed write lost a race to the same key (an IntegrityError): what the winner answered;
    re-raises `error` when there is no stored answer (the conflict was something else)."""
    replayed = replay_from(db, key, username, print_)
    if replayed is None:
        raise error
    return replayed


def remember(
    session: Session, key: str, username: str, print_: str, ticket_id: int, status_code: int, response: str
) -> None:
    """Store the answer to a keyed request in the transaction that made it."""
    session.add(IdempotencyRow(
        key=key, username=username, body_hash=print_, ticket_id=ticket_id, status_code=status_code,
        response=response, created_at=utc_now(),
    ))


def once(db: Database, key: str | None, username: str, method: str, path: str, body: BaseModel,
         write: Callable[[Session], tuple[int, BaseModel]]) -> Response:
    """A keyed write carried out once: the stored answer when `key` came with this request before,
    else `write` (returning the written object's id and the answer) in a write transaction that also
    remembers the answer under `key`. Without a key, `write` runs every time."""
    print_, replayed = begin(db, key, username, method, path, body)
    if replayed is not None:
        return replayed
    try:
        with db.write() as session:
            object_id, answer = write(session)
            text = answer.model_dump_json()
            if key is not None:
                remember(session, key, username, print_, object_id, 200, text)
    except IntegrityError as error:
        return after_race(db, key, username, print_, error)
    return Response(text, media_type="application/json")
