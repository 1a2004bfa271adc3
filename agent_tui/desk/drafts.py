"""Drafts bound to their call and customer: which draft F9 offers, and for whom one is filed.

A work order left unfinished belongs to the caller it was started for (the run keeps the call id and the
customer id it was started with). F9 offers the current caller's drafts; drafts of earlier calls are
listed apart, labelled with their caller, and a draft is always filed for its own customer and call,
never for whoever is on the line when it is finished.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from agent_tui.desk.calls import CallSession


class DraftRun(Protocol):
    """What the rules read of a form run (`agent_tui.forms.runner.FormRun`)."""

    @property
    def draft_id(self) -> str:
        """The draft's id."""

    @property
    def call_id(self) -> str | None:
        """The call the run was started on."""

    @property
    def customer_id(self) -> int | None:
        """The customer the run was started for."""


RunT = TypeVar("RunT", bound=DraftRun)


@dataclass(frozen=True)
class DraftChoice(Generic[RunT]):
    """Drafts split for F9: this caller's first, earlier callers' apart."""

    current: list[RunT]
    earlier: list[RunT]


def belongs_to(run: DraftRun, session: CallSession | None) -> bool:
    """Whether `run` was started on `session`'s call (or for its customer when it has no call)."""
    if session is None:
        return False
    if run.call_id is not None:
        return run.call_id == session.call_id
    return session.customer is not None and run.customer_id == session.customer.id


def form_for_other_caller(run: DraftRun, on_line: CallSession | None) -> bool:
    """Whether `run` (a form still open, or a draft) was started for someone else than the caller on
    the line: the form must say whose it is, or the agent types this caller's request into it."""
    if on_line is None or (run.call_id is None and run.customer_id is None):
        return False  # nobody on the line, or a form bound to nobody (it takes whoever it is filed for)
    return not belongs_to(run, on_line)


def split_drafts(runs: Iterable[RunT], session: CallSession | None) -> DraftChoice[RunT]:
    """The drafts of the call on the card, and all others."""
    current: list[RunT] = []
    earlier: list[RunT] = []
    for run in runs:
        (current if belongs_to(run, session) else earlier).append(run)
    return DraftChoice(current, earlier)


@dataclass(frozen=True)
class TicketOwner:
    """The customer and call a work order is filed for."""

    customer_id: int | None
    call_id: str | None


def ticket_owner(run: DraftRun, session: CallSession | None) -> TicketOwner:
    """Who `run`'s work order is for: its own call's customer (picked on the card since, if so), else
    the customer and call it was started with — never the caller on the line now."""
    if session is not None and belongs_to(run, session):
        customer_id = session.customer.id if session.customer is not None else run.customer_id
        return TicketOwner(customer_id, session.backend_id)
    return TicketOwner(run.customer_id, run.call_id)


def caller_label(run: DraftRun, calls: Mapping[str, CallSession]) -> str:
    """Who a draft is for, as the list shows it: the caller's name and number when the call is still in
    the book, else the customer's id, else empty (the UI says "unknown caller")."""
    session = calls.get(run.call_id) if run.call_id else None
    if session is not None:
        name = session.customer.name if session.customer is not None else session.display
        return f"{name} {session.number}".strip() if name else session.number
    return f"#{run.customer_id}" if run.customer_id is not None else ""
