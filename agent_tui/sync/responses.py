"""What an answer from the backend means: the problem an error response carries, how an answer counts
for the link's health, the typed error it raises, its JSON body and whether it fits the contract.

Shared by the client, the outbox, the event stream and the few callers that send their own requests.
Nothing the backend sends ends in a traceback: a body that is not what it should be becomes a typed
error from `agent_tui.sync.errors`, its text cleaned and anything token-like masked.
"""

from __future__ import annotations

import json
import re
import ssl
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from agent_tui.crash_report import mask_secrets
from agent_tui.domain.base import Problem
from agent_tui.sync.errors import (
    AuthenticationRequired,
    BackendProtocolError,
    BackendRejected,
    BackendUnavailable,
)
from agent_tui.sync.link_health import ExchangeOutcome
from agent_tui.sync.retry import RETRYABLE_STATUSES
from agent_tui.sync.text import clean_text

T = TypeVar("T")


def certificate_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind a transport error, if that is what it is."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    for arg in exc.args:  # httpx may keep the original error as an argument rather than a cause
        if isinstance(arg, ssl.SSLCertVerificationError):
            return arg
    return None


_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{32,}")

def mask_response_text(text: str) -> str:
    """A piece of a response body bound for a message or a log, with anything token-like masked.

    A login answer cut short (`{"token": "abc…`) is not JSON and used to reach the desk's log verbatim.
    On top of the crash reports' masking (token/password fields, bearer credentials), any run of 32+
    token characters goes too: our tokens are 43, and a body may hold one bare.
    """
    return _TOKEN_LIKE.sub("***", mask_secrets(text))


def problem_from_response(response: httpx.Response) -> Problem:
    """The RFC 9457 problem of an error response; a made-up one when the body is not a problem.

    FastAPI's own validation shape (`{"detail": [{"loc": [...], "msg": ...}]}`) is turned into a
    readable detail naming the fields.
    """
    status = response.status_code
    title = response.reason_phrase or f"HTTP {status}"
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        snippet = mask_response_text(clean_text(response.text[:200])) if response.content else ""
        detail = f"the backend answered {status} with a body that is not JSON"
        return Problem(title=title, status=status, detail=f"{detail}: {snippet!r}" if snippet else detail)
    if isinstance(data, dict):
        raw_detail = data.get("detail")
        if isinstance(raw_detail, list):
            data = {**data, "detail": _validation_detail(raw_detail), "errors": raw_detail}
        try:
            return Problem.model_validate({"title": title, "status": status, **data})
        except ValidationError:
            pass
    return Problem(title=title, status=status, detail=mask_response_text(clean_text(str(data)[:200])))


def _validation_detail(errors: list[Any]) -> str:
    parts: list[str] = []
    for error in errors:
        if not isinstance(error, dict):
            parts.append(clean_text(str(error)))
            continue
        loc = [str(p) for p in error.get("loc", []) if p not in ("body", "query", "path")]
        field = ".".join(loc) or "request"
        parts.append(f"{field}: {clean_text(str(error.get('msg', 'invalid')))}")
    return "; ".join(parts)


def exchange_outcome(response: httpx.Response, *, wants_json: bool = True) -> tuple[ExchangeOutcome, str]:
    """How an answer counts for the link's health, and why when it is a failure.

    5xx: the backend cannot serve. A redirect, or a body that is not JSON where JSON was asked
    for (a proxy's or captive portal's HTML page, a web server at the wrong URL): not the backend
    speaking. Anything else, 4xx included, is the backend answering.
    """
    status = response.status_code
    if status >= 500:
        return ExchangeOutcome.SERVER_ERROR, f"the backend answered {status}"
    if 300 <= status < 400:
        return ExchangeOutcome.GARBAGE, f"the backend answered a redirect ({status}), not the API"
    content_type = response.headers.get("Content-Type", "")
    if wants_json and response.content and "json" not in content_type.lower():
        kind = clean_text(content_type.split(";", 1)[0])[:60] or "no content type"
        return ExchangeOutcome.GARBAGE, f"the backend answered {status} with {kind}, not JSON"
    return ExchangeOutcome.OK, ""


def stream_outcome(response: httpx.Response) -> tuple[ExchangeOutcome, str]:
    """How the opening of an event stream counts for the link's health (see `exchange_outcome`)."""
    status = response.status_code
    if status >= 500:
        return ExchangeOutcome.SERVER_ERROR, f"the event stream answered {status}"
    content_type = response.headers.get("Content-Type", "").lower()
    if status == 200 and "text/event-stream" not in content_type:
        return ExchangeOutcome.GARBAGE, "the event stream answered 200 with something else than events"
    if 300 <= status < 400:
        return ExchangeOutcome.GARBAGE, f"the event stream answered a redirect ({status})"
    return ExchangeOutcome.OK, ""


def raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status >= 500 or status in RETRYABLE_STATUSES:
        problem = problem_from_response(response)
        raise BackendUnavailable(f"the backend answered {status}: {problem.detail or problem.title}",
                                 status=status)
    problem = problem_from_response(response)
    if status == 401:
        raise AuthenticationRequired(status, problem)
    raise BackendRejected(status, problem)


def decode_json(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError) as exc:
        snippet = mask_response_text(clean_text(response.text[:120]))
        raise BackendProtocolError(
            f"{response.request.method} {response.request.url.path}: the backend answered "
            f"{response.status_code} with a body that is not JSON: {snippet!r}"
        ) from exc


def validated(adapter: TypeAdapter[T], data: Any, what: str) -> T:
    """`data` as the contract's type; an answer that does not fit is a BackendProtocolError naming `what`."""
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": str(exc)}
        loc = ".".join(str(p) for p in first.get("loc", ()))
        raise BackendProtocolError(
            f"{what}: the backend's answer does not fit the contract ({exc.error_count()} errors; "
            f"first at {loc or 'top'}: {first.get('msg')})"
        ) from exc


def page_items(data: Any) -> Any:
    """Lists may come bare or as a page; the caller wants the items."""
    if isinstance(data, dict) and "items" in data:
        return data["items"]
    return data


def as_page(data: Any) -> Any:
    """A bare list is accepted as a single page holding everything."""
    if isinstance(data, list):
        return {"items": data, "total": len(data), "limit": max(1, len(data)), "offset": 0}
    return data
