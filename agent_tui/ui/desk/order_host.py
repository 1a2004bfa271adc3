"""What the work-order screens need from the desk: a narrow Protocol, never the desk screen itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from agent_tui.desk.calls import CallSession
from agent_tui.domain.ticket import TicketCreate
from agent_tui.forms.drafts import DraftStore
from agent_tui.forms.runner import FormRun
from agent_tui.ui.desk.services import OrderDesk


class OrderHost(Protocol):
    """The desk as the order picker and the form screen see it."""

    @property
    def username(self) -> str:
        """The agent (for the script's prompts)."""

    @property
    def drafts(self) -> DraftStore | None:
        """Where unfinished work orders are kept (None: nowhere)."""

    @property
    def calls(self) -> Mapping[str, CallSession]:
        """This session's calls (a draft's own call is found here)."""

    def form_changed(self, run: FormRun, session: CallSession | None) -> None:
        """The form of a call showed a step or took an answer (training follows it)."""

    def submit_ticket(self, ticket: TicketCreate, session: CallSession | None) -> str | None:
        """Queue the work order in the outbox; its reference, or None when it could not be queued."""

    @property
    def orders(self) -> OrderDesk | None:
        """Order search and timelines for the status query (None: not in this run)."""
