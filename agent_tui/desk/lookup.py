"""Screen-pop lookups: who is calling, from the IVR's headers or the caller's number, with a small cache.

One request when the IVR sent the account (the answer brings the customer with last case, orders and
notices); by customer id when only that came; by the number otherwise. The cache paints a repeat
caller's card at once while the fresh answer is on its way.
"""

from __future__ import annotations

from typing import Protocol

from agent_tui.desk.calls import CallSession
from agent_tui.domain.customer import Customer, LookupMatch, LookupResult

LOOKUP_CACHE_SIZE = 50
"""Numbers whose last lookup answer is kept to paint a repeat caller's card at once."""


class LookupBackend(Protocol):
    """What a lookup needs from the backend."""

    async def lookup(self, phone: str | None = None, account: str | None = None) -> LookupResult:
        """Customers matching a phone number or an account."""

    async def get_customer(self, customer_id: int) -> Customer:
        """One customer by id."""


async def find_customer(backend: LookupBackend, session: CallSession) -> LookupResult:
    """The customers the call is about, from its IVR headers or its number."""
    customer_id = session.customer_id_hint
    account = session.account_hint
    by_account: LookupResult | None = None
    if account is not None:
        by_account = await backend.lookup(account=account)
        if customer_id is None and by_account.matches:
            return by_account
        for match in by_account.matches:
            if match.customer.id == customer_id:
                return LookupResult(matches=[match])
    if customer_id is not None:
        customer = await backend.get_customer(customer_id)
        if by_account is None or customer.account != account:
            try:
                by_account = await backend.lookup(account=customer.account)
            except Exception:  # the customer alone still makes a card
                by_account = LookupResult(matches=[])
        for match in by_account.matches:
            if match.customer.id == customer.id:
                return LookupResult(matches=[match])
        return LookupResult(matches=[LookupMatch(customer=customer)])
    if not session.number:
        return LookupResult(matches=[])
    return await backend.lookup(phone=session.number)


class LookupCache:
    """The last answer per number, least recently looked-up forgotten beyond LOOKUP_CACHE_SIZE."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size or LOOKUP_CACHE_SIZE
        self.answers: dict[str, LookupResult] = {}

    def __len__(self) -> int:
        return len(self.answers)

    def get(self, number: str) -> LookupResult | None:
        """The cached answer for `number`."""
        return self.answers.get(number)

    def put(self, number: str, result: LookupResult) -> None:
        """Remember `number`'s answer."""
        self.answers.pop(number, None)
        self.answers[number] = result
        while len(self.answers) > self.size:
            del self.answers[next(iter(self.answers))]

    def pop(self, number: str) -> None:
        """Forget `number` (its customer was just created or changed)."""
        self.answers.pop(number, None)

    def usable_for(self, session: CallSession) -> LookupResult | None:
        """The cached answer, when the IVR named nobody (its headers beat a cached number)."""
        if session.customer_id_hint is not None or session.account_hint is not None:
            return None
        return self.answers.get(session.number)
