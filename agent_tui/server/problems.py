"""RFC 9457 problem details for every error the backend answers with."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from agent_tui.domain.base import Problem

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class ProblemError(Exception):
    """Raised by handlers to answer with a problem; `field` (e.g. `body.customer_id`) is named in detail."""

    def __init__(
        self, status: int, detail: str, *, field: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = f"{field}: {detail}" if field else detail
        self.field = field
        self.headers = dict(headers or {})


def problem_response(
    status: int, detail: str, request: Request | None = None, headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem+json response."""
    body = Problem(
        title=_title(status), status=status, detail=detail,
        instance=request.url.path if request is not None else None, **extra,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True), status_code=status, headers=dict(headers or {}),
        media_type=PROBLEM_JSON,
    )


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def field_name(loc: Sequence[int | str]) -> str:
    """`("body", "phones", 0)` → `body.phones[0]`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "request"


def _validation_detail(errors: Sequence[Any]) -> tuple[str, list[dict[str, str]]]:
    items = [
        {"field": field_name(err.get("loc", ())), "message": str(err.get("msg", "invalid"))}
        for err in errors
        if isinstance(err, dict)
    ]
    detail = "; ".join(f"{item['field']}: {item['message']}" for item in items) or "invalid request"
    return detail, items


def install(app: FastAPI) -> None:
    """Answer every error of `app` with problem+json."""

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        extra = {"field": exc.field} if exc.field else {}
        return problem_response(exc.status, exc.detail, request, exc.headers, **extra)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else _title(exc.status_code)
        return problem_response(exc.status_code, detail, request, exc.headers)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        detail, items = _validation_detail(exc.errors())
        return problem_response(422, detail, request, errors=items)

    async def on_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "internal error; see the server log", request)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_error)
