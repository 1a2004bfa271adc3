"""`BackendClient`: typed async calls to the REST contract under `/v1`.

Reads (GET) are retried with exponential backoff and jitter on transport errors, 5xx and 429
(honouring Retry-After), bounded in attempts and total time. Writes made here are tried once:
writes that must not be lost go through `agent_tui.sync.outbox.Outbox` instead.

Every failure becomes a typed exception from `agent_tui.sync.errors`; nothing the backend sends
(garbage bodies included) ends in a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, SecretStr, TypeAdapter

from agent_tui.domain.agent import Agent, AgentStateChange, QueueStats
from agent_tui.domain.base import Page
from agent_tui.domain.call import CallRecord
from agent_tui.domain.callbacks import Callback, CallbackDone
from agent_tui.domain.customer import (
    ContactRecord,
    Customer,
    CustomerCreate,
    CustomerPatch,
    LookupResult,
)
from agent_tui.domain.desk_supervision import AgentDayFigures
from agent_tui.domain.notice import KbArticle, OutageNotice
from agent_tui.domain.screen import ScreenDefinition, ScreenSummary
from agent_tui.domain.session import SessionInfo
from agent_tui.domain.ticket import Ticket, TicketCreate, TicketPatch, TicketStatus
from agent_tui.sync.connection import Timeouts, tls_for
from agent_tui.sync.errors import BackendProtocolError, BackendTlsError, BackendUnavailable
from agent_tui.sync.link_health import ExchangeOutcome
from agent_tui.sync.responses import (
    as_page,
    certificate_error,
    decode_json,
    exchange_outcome,
    page_items,
    raise_for_status,
    stream_outcome,
    validated,
)
from agent_tui.sync.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from agent_tui.sync.text import clean_text
from agent_tui.sync.threaded_transport import WHOLE_ANSWER, ThreadedTransport

log = logging.getLogger(__name__)

T = TypeVar("T")

ExchangeListener = Callable[[ExchangeOutcome, str], None]
"""Told how each exchange with the backend went (`agent_tui.sync.link_health.LinkHealth.report`)."""

Sleep = Callable[[float], Awaitable[None]]

IDEMPOTENCY_HEADER = "Idempotency-Key"
PAGE_SIZE = 500
"""Items asked for per page when a method returns a whole list (the reference backend allows 1,000)."""


class BackendClient:
    """Typed async client of the backend REST contract.

    Use as `async with BackendClient(url) as client:` or call `aclose()`. The bearer token is set
    by `login()` or `set_token()`; it is kept as a `SecretStr` and never appears in reprs or logs.
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: SecretStr | None = None,
        timeouts: Timeouts | None = None,
        verify: bool = True,
        ca_file: Path | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        on_exchange: ExchangeListener | None = None,
    ) -> None:
        """Create a client of the backend at `base_url` (e.g. `https://crm.example:8443`).

        `verify` and `ca_file` control TLS: verified by default, against `ca_file` when given.
        `transport` and `sleep` exist for tests (an `httpx.MockTransport`, a sleep that records).
        `on_exchange` hears the outcome of every exchange (see `report_exchange`).
        """
        self.on_exchange = on_exchange
        """Told how every exchange went: each request sent here (outbox sends included), a reply
        that does not fit the contract, the event stream's opening and each chunk it receives."""
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self._token = token
        self._sleep: Sleep = sleep or asyncio.sleep
        tls = tls_for(base_url, verify=verify, ca_file=ca_file)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=self.timeouts.to_httpx(),
            verify=tls,
            # The exchanges `send` makes run on worker threads, off the caller's loop (Textual's, in
            # the desk): see agent_tui/sync/threaded_transport.py.
            transport=transport or ThreadedTransport(verify=tls),
            headers={"Accept": "application/json", "User-Agent": "agent-tui"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"BackendClient({str(self._http.base_url)!r}, token={'set' if self._token else 'none'})"

    @property
    def base_url(self) -> str:
        """The backend's base URL."""
        return str(self._http.base_url)

    @property
    def token(self) -> SecretStr | None:
        """The bearer token in use, if any."""
        return self._token

    def set_token(self, token: SecretStr | None) -> None:
        """Use `token` (e.g. one from the credential store) on every later request."""
        self._token = token

    async def __aenter__(self) -> BackendClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # -- low level: used by the outbox and the event stream ------------------------------------------

    def report_exchange(self, outcome: ExchangeOutcome, detail: str = "") -> None:
        """Tell `on_exchange` how an exchange went (the event stream reports its chunks here)."""
        listener = self.on_exchange
        if listener is None:
            return
        try:
            listener(outcome, detail)
        except Exception:  # link health must never break a request
            log.exception("backend client: the exchange listener failed")

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        if extra:
            headers.update(extra)
        return headers

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | AsyncIterator[bytes] | None = None,
        report: bool = True,
    ) -> httpx.Response:
        """Send one request, once, and return the response whatever its status (`content`: a raw body).

        Raises `BackendUnavailable` on transport errors and timeouts only. The outcome goes to
        `on_exchange` unless `report` is false (the health probe judges its own answer).
        """
        sent = self._headers(headers)
        try:
            response = await self._http.request(
                method, path, params=params, json=json_body, content=content, headers=sent,
                extensions={WHOLE_ANSWER: True},
            )
        except httpx.TimeoutException as exc:
            message = f"{method} {path}: timed out ({type(exc).__name__})"
            if report:
                self.report_exchange(ExchangeOutcome.TIMEOUT, message)
            raise BackendUnavailable(message) from exc
        except httpx.TransportError as exc:
            refused = certificate_error(exc)
            if refused is not None:
                message = (f"TLS error: the backend's certificate was refused "
                           f"({refused.verify_message or refused.reason or refused}); "
                           "check the backend URL and ca_file")
            else:
                message = f"{method} {path}: {type(exc).__name__}: {exc or 'no answer'}"
            if report:
                self.report_exchange(ExchangeOutcome.TRANSPORT_ERROR, message)
            if refused is not None:
                raise BackendTlsError(message) from exc
            raise BackendUnavailable(message) from exc
        if report:
            accept = next((v for k, v in sent.items() if k.lower() == "accept"), "application/json")
            self.report_exchange(*exchange_outcome(response, wants_json="json" in accept.lower()))
        return response

    @asynccontextmanager
    async def open_stream(
        self, path: str, *, headers: Mapping[str, str] | None = None, read_timeout: float | None = None
    ) -> AsyncIterator[httpx.Response]:
        """Open a streaming GET (used for SSE); the read timeout may differ from the client's."""
        timeout = self.timeouts.to_httpx()
        if read_timeout is not None:
            timeout = httpx.Timeout(connect=self.timeouts.connect, read=read_timeout,
                                    write=self.timeouts.write, pool=self.timeouts.pool)
        sent = self._headers(headers)
        try:
            async with self._http.stream("GET", path, headers=sent, timeout=timeout) as resp:
                self.report_exchange(*stream_outcome(resp))
                yield resp
        except httpx.TimeoutException as exc:  # at the opening or later, while reading the stream
            self.report_exchange(ExchangeOutcome.TIMEOUT, f"GET {path}: timed out ({type(exc).__name__})")
            raise
        except (httpx.TransportError, httpx.StreamError) as exc:
            self.report_exchange(ExchangeOutcome.TRANSPORT_ERROR, f"GET {path}: {type(exc).__name__}")
            raise

    async def get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        """GET with retries; the decoded JSON body, or a typed error."""
        policy = self.retry
        started = time.monotonic()
        waited = 0.0
        last: BackendUnavailable | None = None
        for attempt in range(max(1, policy.attempts)):
            retry_after: float | None = None
            try:
                response = await self.send("GET", path, params=params)
            except BackendUnavailable as exc:
                last = exc
            else:
                if response.status_code < 500 and response.status_code not in RETRYABLE_STATUSES:
                    raise_for_status(response)
                    return decode_json(response)
                try:
                    raise_for_status(response)
                except BackendUnavailable as exc:
                    last = exc
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempt + 1 >= policy.attempts:
                break
            if retry_after is not None:
                delay = min(retry_after, policy.retry_after_cap)
            else:
                delay = policy.backoff.delay(attempt)
            # `waited` keeps the budget honest when the sleep is not a real one (tests).
            if max(time.monotonic() - started, waited) + delay > policy.total:
                break
            waited += delay
            await self._sleep(delay)
        assert last is not None
        raise last

    async def write_json(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        idempotency_key: str | None = None,
    ) -> Any:
        """One write attempt; the decoded JSON body, or a typed error."""
        headers = {IDEMPOTENCY_HEADER: idempotency_key} if idempotency_key else None
        response = await self.send(method, path, json_body=body, headers=headers)
        raise_for_status(response)
        return decode_json(response)

    # -- the contract ----------------------------------------------------------------------------

    async def login(self, username: str, password: SecretStr) -> SessionInfo:
        """`POST /v1/sessions`: log in and use the returned token from now on."""
        data = await self.write_json(
            "POST", "/v1/sessions", {"username": username, "password": password.get_secret_value()}
        )
        if isinstance(data, dict) and "username" not in data:
            data = {**data, "username": username}
        session = validated(TypeAdapter(SessionInfo), data, "login")
        self._token = session.token
        return session

    async def logout(self) -> None:
        """`DELETE /v1/sessions/current`: end the session; the token is dropped even if that fails."""
        try:
            await self.write_json("DELETE", "/v1/sessions/current")
        finally:
            self._token = None

    async def health(self) -> dict[str, Any]:
        """`GET /v1/health`."""
        return validated(TypeAdapter(dict[str, Any]), await self.get_json("/v1/health"), "health")

    async def lookup(self, phone: str | None = None, account: str | None = None) -> LookupResult:
        """`GET /v1/customers/lookup`: customers by phone number or by account number (exactly one)."""
        if (phone is None) == (account is None):
            raise ValueError("lookup needs exactly one of phone or account")
        params = {"phone": phone} if phone is not None else {"account": account or ""}
        data = await self.get_json("/v1/customers/lookup", params)
        return validated(TypeAdapter(LookupResult), data, "lookup")

    async def list_customers(
        self, q: str | None = None, *, limit: int = 50, offset: int = 0
    ) -> Page[Customer]:
        """`GET /v1/customers`: one page of customers, optionally matching `q`."""
        params: dict[str, str | int] = {"limit": limit, "offset": offset}
        if q:
            params["q"] = q
        data = await self.get_json("/v1/customers", params)
        return validated(TypeAdapter(Page[Customer]), as_page(data), "customers")

    async def get_customer(self, customer_id: int) -> Customer:
        """`GET /v1/customers/{id}`."""
        data = await self.get_json(f"/v1/customers/{int(customer_id)}")
        return validated(TypeAdapter(Customer), data, "customer")

    async def create_customer(
        self, customer: CustomerCreate, *, idempotency_key: str | None = None
    ) -> Customer:
        """`POST /v1/customers` (one attempt; a fresh Idempotency-Key unless one is given)."""
        data = await self.write_json("POST", "/v1/customers", _dump(customer),
                                     idempotency_key=idempotency_key or str(uuid.uuid4()))
        return validated(TypeAdapter(Customer), data, "create customer")

    async def patch_customer(self, customer_id: int, patch: CustomerPatch) -> Customer:
        """`PATCH /v1/customers/{id}` with only the fields set on `patch`."""
        data = await self.write_json("PATCH", f"/v1/customers/{int(customer_id)}", _dump_patch(patch))
        return validated(TypeAdapter(Customer), data, "patch customer")

    async def customer_history(
        self, customer_id: int, *, limit: int = 50, offset: int = 0
    ) -> Page[ContactRecord]:
        """`GET /v1/customers/{id}/history`: past contacts, newest first."""
        data = await self.get_json(f"/v1/customers/{int(customer_id)}/history",
                                   {"limit": limit, "offset": offset})
        return validated(TypeAdapter(Page[ContactRecord]), as_page(data), "history")

    async def list_tickets(
        self,
        customer: int | None = None,
        status: TicketStatus | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Ticket]:
        """`GET /v1/tickets?customer=&status=`: one page of tickets."""
        params: dict[str, str | int] = {"limit": limit, "offset": offset}
        if customer is not None:
            params["customer"] = int(customer)
        if status is not None:
            params["status"] = TicketStatus(status).value
        data = await self.get_json("/v1/tickets", params)
        return validated(TypeAdapter(Page[Ticket]), as_page(data), "tickets")

    async def get_ticket(self, ticket_id: int) -> Ticket:
        """`GET /v1/tickets/{id}`."""
        data = await self.get_json(f"/v1/tickets/{int(ticket_id)}")
        return validated(TypeAdapter(Ticket), data, "ticket")

    async def create_ticket(self, ticket: TicketCreate, *, idempotency_key: str | None = None) -> Ticket:
        """`POST /v1/tickets`, one attempt. For writes that must survive failures use the outbox."""
        data = await self.write_json("POST", "/v1/tickets", _dump(ticket),
                                     idempotency_key=idempotency_key or str(uuid.uuid4()))
        return validated(TypeAdapter(Ticket), data, "create ticket")

    async def patch_ticket(self, ticket_id: int, patch: TicketPatch) -> Ticket:
        """`PATCH /v1/tickets/{id}`: status move (validated by the backend), assignee, return visit."""
        data = await self.write_json("PATCH", f"/v1/tickets/{int(ticket_id)}", _dump_patch(patch))
        return validated(TypeAdapter(Ticket), data, "patch ticket")

    async def get_agent_state(self, username: str) -> Agent:
        """`GET /v1/agents/{id}/state`: one user with their current state."""
        data = await self.get_json(f"/v1/agents/{quote(username, safe='')}/state")
        return validated(TypeAdapter(Agent), data, "agent state")

    async def set_agent_state(self, username: str, change: AgentStateChange) -> Agent:
        """`PUT /v1/agents/{id}/state`, one attempt; the agent with the new state."""
        data = await self.write_json("PUT", f"/v1/agents/{quote(username, safe='')}/state", _dump(change))
        return validated(TypeAdapter(Agent), data, "agent state")

    async def get_agent_figures(self, username: str) -> AgentDayFigures:
        """`GET /v1/agents/{id}/figures`: the agent's figures for today so far (a desk seeds its own)."""
        data = await self.get_json(f"/v1/agents/{quote(username, safe='')}/figures")
        return validated(TypeAdapter(AgentDayFigures), data, "agent figures")

    async def post_call(self, record: CallRecord) -> CallRecord:
        """`POST /v1/calls`, one attempt (posting the same call_id again updates the record)."""
        data = await self.write_json("POST", "/v1/calls", _dump(record))
        return validated(TypeAdapter(CallRecord), data, "call")

    async def _all_pages(self, path: str, adapter: TypeAdapter[list[T]], what: str,
                         params: Mapping[str, str | int] | None = None) -> list[T]:
        """Every item of a paged list (a bare list is accepted too)."""
        items: list[T] = []
        while True:
            data = await self.get_json(path, {**(params or {}), "limit": PAGE_SIZE, "offset": len(items)})
            page = validated(adapter, page_items(data), what)
            items += page
            total = data.get("total") if isinstance(data, dict) else None
            if not page or not isinstance(total, int) or len(items) >= total:
                return items

    async def list_agents(self) -> list[Agent]:
        """`GET /v1/agents`: every user with their state (all pages)."""
        return await self._all_pages("/v1/agents", TypeAdapter(list[Agent]), "agents")

    async def list_queues(self) -> list[QueueStats]:
        """`GET /v1/queues`: live figures of every queue (all pages)."""
        return await self._all_pages("/v1/queues", TypeAdapter(list[QueueStats]), "queues")

    async def list_reasons(self) -> list[str]:
        """`GET /v1/reasons`: the Not Ready reason codes the backend offers."""
        return await self._all_pages("/v1/reasons", TypeAdapter(list[str]), "reasons")

    async def list_callbacks(self) -> list[Callback]:
        """`GET /v1/callbacks`: open and claimed callbacks, oldest first (all pages)."""
        return await self._all_pages("/v1/callbacks", TypeAdapter(list[Callback]), "callbacks")

    async def claim_callback(self, callback_id: int) -> Callback:
        """`POST /v1/callbacks/{id}/claim`, one attempt; `BackendRejected` 409 when another agent has it."""
        data = await self.write_json("POST", f"/v1/callbacks/{int(callback_id)}/claim")
        return validated(TypeAdapter(Callback), data, "claim callback")

    async def callback_done(self, callback_id: int, done: CallbackDone | None = None) -> Callback:
        """`POST /v1/callbacks/{id}/done`, one attempt (a close that must survive failures: the outbox)."""
        data = await self.write_json("POST", f"/v1/callbacks/{int(callback_id)}/done",
                                     _dump(done or CallbackDone()))
        return validated(TypeAdapter(Callback), data, "close callback")

    async def list_screens(self) -> list[ScreenSummary]:
        """`GET /v1/screens`: every call screen (all pages)."""
        return await self._all_pages("/v1/screens", TypeAdapter(list[ScreenSummary]), "screens")

    async def get_screen(self, screen_id: str) -> ScreenDefinition:
        """`GET /v1/screens/{id}`."""
        data = await self.get_json(f"/v1/screens/{quote(screen_id, safe='')}")
        return validated(TypeAdapter(ScreenDefinition), data, "screen")

    async def list_notices(self, area: str | None = None) -> list[OutageNotice]:
        """`GET /v1/notices[?area=]`: outage notices, optionally for one area."""
        return await self._all_pages("/v1/notices", TypeAdapter(list[OutageNotice]), "notices",
                                     {"area": area} if area else None)

    async def kb_search(self, q: str, *, limit: int = 20) -> list[KbArticle]:
        """`GET /v1/kb?q=`: knowledge-base articles matching `q` (Chinese or English)."""
        data = await self.get_json("/v1/kb", {"q": q, "limit": limit})
        return validated(TypeAdapter(list[KbArticle]), page_items(data), "kb")


def _reporting_wrong_shapes(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """`method`, telling the client's `on_exchange` when the answer does not fit the contract."""

    @functools.wraps(method)
    async def reporting(self: BackendClient, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        except BackendProtocolError as exc:
            self.report_exchange(ExchangeOutcome.GARBAGE, clean_text(str(exc))[:200])
            raise

    return reporting


# Every public call of the contract, including ones added later, reports a wrong-shaped answer (a
# JSON body that fails validation) as garbage: `send` has seen only that it was JSON. Wrapping here
# keeps the rule in one place instead of in each method.
for _name, _member in list(vars(BackendClient).items()):
    if not _name.startswith("_") and inspect.iscoroutinefunction(_member):
        setattr(BackendClient, _name, _reporting_wrong_shapes(_member))


def _dump(model: BaseModel) -> Any:
    """JSON-ready body of a create or a state change: every field, defaults included."""
    return model.model_dump(mode="json")


def _dump_patch(model: BaseModel) -> Any:
    """JSON-ready body of a PATCH: only the fields the caller set."""
    return model.model_dump(mode="json", exclude_unset=True)
