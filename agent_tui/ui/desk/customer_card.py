"""The customer card: who is calling and what happened last time, on one scrollable page.

Order on the page follows what an agent needs first: identity and account, then the LAST CONTACT'S
CASE, open work orders with their SLA state, outage notices for the area, work orders taken on this
call, and the contact history. Every value from the backend is cleaned and shown as plain text;
colours come from theme variables and every state is also written out (monochrome terminals).
"""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from agent_tui.desk.calls import CallSession, LookupState
from agent_tui.domain.customer import ContactRecord, Customer, LookupMatch
from agent_tui.domain.notice import OutageNotice
from agent_tui.domain.ticket import Ticket
from agent_tui.i18n import Translator
from agent_tui.ui.common.outcomes import outcome_label
from agent_tui.ui.common.text import clean, money
from agent_tui.ui.common.urgency import URGENT_STYLE, is_urgent, urgent_text
from agent_tui.ui.desk.ticket_subject import TicketSubjects

Part = str | tuple[str, str]

TIER_LABELS = {"diamond": "Diamond", "gold": "Gold", "silver": "Silver", "basic": "Basic"}
TYPE_LABELS = {"residential": "Residential", "business": "Business", "government": "Government"}


def _when(at: datetime | None) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at else "-"


def _heading(t: Translator, title: str, **params: object) -> list[Part]:
    return ["\n", (f"── {t.t(title, **params)} ──", "bold underline $primary"), "\n"]


def _identity(t: Translator, c: Customer) -> list[Part]:
    parts: list[Part] = [
        (clean(c.name, 80), "bold"), "  ",
        (f"[{t.t(TIER_LABELS.get(c.tier.value, c.tier.value))}]", "bold $accent"), "  ",
        t.t(TYPE_LABELS.get(c.customer_type.value, c.customer_type.value)), "\n",
        f"{t.t('Account')}: ", (clean(c.account, 24), "bold"),
        f"   {t.t('Phones')}: {clean(', '.join(c.phones), 80) or '-'}\n",
        f"{t.t('Address')}: {clean(c.address) or '-'}",
        f"   {t.t('Area')}: {clean(c.area, 60) or '-'}\n",
        f"{t.t('Meter')}: {clean(c.meter or '-', 40)}   {t.t('Balance')}: {money(c.balance_cents)}   ",
    ]
    if c.arrears_cents > 0:
        parts.append((f"{t.t('Arrears')}: {money(c.arrears_cents)} !", "bold reverse $warning"))
    else:
        parts.append(f"{t.t('Arrears')}: 0.00")
    if c.last_agent:
        parts.append(f"   {t.t('Last agent')}: {clean(c.last_agent, 40)}")
    parts.append("\n")
    return parts


def _contact(t: Translator, r: ContactRecord) -> list[Part]:
    line: list[Part] = [f"{_when(r.at)}  {clean(r.agent or '-', 30)}  "]
    line.append((clean(r.summary, 300) or t.t("(no summary)"), "bold"))
    if r.outcome:
        line.append(f"  → {outcome_label(t, r.outcome)}")
    if r.ticket_id is not None:
        line.append(f"  #{r.ticket_id}")
    line.append("\n")
    return line


def _ticket(t: Translator, ticket: Ticket, subjects: TicketSubjects | None) -> list[Part]:
    breached = [d.segment for d in ticket.deadlines if d.breached]
    line: list[Part] = [(urgent_text(t), URGENT_STYLE), " "] if is_urgent(ticket.priority) else []
    line += [
        (clean(ticket.number, 40), "bold"), "  ",
        t.t(ticket.ticket_type.value.capitalize()), "  ",
        t.t(ticket.status.value.replace("_", " ").capitalize()), "  ",
    ]
    if breached:
        line.append((f"! {t.t('SLA breached')} ({', '.join(clean(s, 20) for s in breached)})",
                     "bold reverse $sla-breach"))
    elif ticket.deadlines:
        line.append((t.t("SLA ok"), "$sla-ok"))
    subject = subjects.subject(ticket) if subjects is not None else clean(ticket.subject, 120)
    if subject:
        line.append(f"  {subject}")
    line.append("\n")
    return line


def _notice(t: Translator, n: OutageNotice) -> list[Part]:
    kind = t.t("Planned outage") if n.kind.value == "planned" else t.t("Fault")
    until = f" – {_when(n.ends_at)}" if n.ends_at else ""
    return [(f"{kind}: ", "bold $warning"), clean(n.title, 120),
            f"  {_when(n.starts_at)}{until}  ({clean(n.area, 60)})\n"]


def _outcome(t: Translator, session: CallSession, number: str) -> list[Part]:
    """What a finished lookup says besides the customer: failed, nobody, or several to pick from."""
    parts: list[Part] = []
    if session.lookup is LookupState.FAILED:
        parts.append((t.t("Customer lookup failed: {detail}", detail=clean(session.lookup_error, 200)),
                      "bold reverse $error"))
        parts.append("\n" + t.t("You can still answer and work the call.") + "\n")
    elif session.lookup is LookupState.NONE:
        parts.append((t.t("No customer found for {number}.", number=number), "bold"))
        parts.append("\n" + t.t("Press ctrl+u to create the customer.") + "\n")
    elif session.lookup is LookupState.SEVERAL:
        parts.append((t.t("{count} customers match {number}.", count=len(session.matches),
                          number=number), "bold"))
        parts.append("  " + t.t("Press ctrl+u to pick one.") + "\n")
        for index, option in enumerate(session.matches[:9], start=1):
            c = option.customer
            parts.append(f" {index}. {clean(c.name, 60)}  {clean(c.account, 24)}  {clean(c.address, 80)}\n")
    return parts


def card_content(t: Translator, session: CallSession | None, *, slow: bool = False,
                 lookup_s: float | None = None, subjects: TicketSubjects | None = None) -> Content:
    """The whole card for `session` (an idle hint when there is no call).

    `slow`: the lookup is or was slow; `lookup_s`: how long it took, once it ended; `subjects`: makes
    the open orders' subjects in this desk's language (the stored subjects without it).
    """
    parts: list[Part] = []
    if session is None:
        parts.append((t.t("Waiting for calls."), "bold"))
        parts.append("\n" + t.t("F2 Ready/Not Ready · F3 answer · ctrl+n dial · F1 help") + "\n")
        return Content.assemble(*parts)
    number = clean(session.number, 40) or t.t("unknown number")
    if session.lookup is LookupState.PENDING:
        parts.append((t.t("Looking up {number}…", number=number), "italic"))
        if slow:
            parts.append((f" ({t.t('slow')})", "bold $warning"))
    else:
        if slow:
            # A line of its own above what the lookup found (or why it failed): both stay readable.
            seconds = f"{lookup_s:.1f}" if lookup_s is not None else "…"
            parts.append((f"[{t.t('slow lookup ({seconds} s)', seconds=seconds)}]", "bold $warning"))
            parts.append("\n")
        parts.extend(_outcome(t, session, number))
    match: LookupMatch | None = session.match
    if match is not None:
        parts.extend(_identity(t, match.customer))
        parts.extend(_heading(t, "Last contact"))
        if match.last_case is not None:
            parts.extend(_contact(t, match.last_case))
        else:
            parts.append(t.t("No earlier contact.") + "\n")
        parts.extend(_heading(t, "Open tickets ({count})", count=len(match.open_tickets)))
        for ticket in match.open_tickets[:20]:
            parts.extend(_ticket(t, ticket, subjects))
        if not match.open_tickets:
            parts.append(t.t("None.") + "\n")
        if match.notices:
            parts.extend(_heading(t, "Outage notices"))
            for notice in match.notices[:10]:
                parts.extend(_notice(t, notice))
    if session.tickets:
        parts.extend(_heading(t, "Taken on this call"))
        for pending in session.tickets:
            mark = t.t("synced") if pending.synced else t.t("pending")
            parts.append((f"[{mark}] ", "bold" if pending.synced else "bold italic $pending"))
            if is_urgent(pending.ticket.priority):
                parts.extend([(urgent_text(t), URGENT_STYLE), " "])
            parts.append(f"{t.t(pending.ticket.ticket_type.value.capitalize())}  "
                         f"{clean(pending.ticket.subject, 120)}\n")
    if match is not None and match.history:
        parts.extend(_heading(t, "History"))
        for record in match.history[:20]:
            parts.extend(_contact(t, record))
    return Content.assemble(*parts)


class CustomerCard(VerticalScroll):
    """Scrollable card of the current call's customer."""

    DEFAULT_CSS = """
    CustomerCard {
        height: 1fr;
        background: $surface;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    CustomerCard > #card-body { width: 1fr; height: auto; min-height: 100%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content: Content | None = None
        self.repaints = 0
        """How often the card was drawn again (an unchanged card must cost nothing)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="card-body", markup=False)

    def show(self, t: Translator, session: CallSession | None, *, slow: bool = False,
             lookup_s: float | None = None) -> bool:
        """Repaint the card for `session` when it changed; returns whether it did."""
        subjects = getattr(self.app, "ticket_subjects", None)
        content = card_content(t, session, slow=slow, lookup_s=lookup_s,
                               subjects=subjects if isinstance(subjects, TicketSubjects) else None)
        if self._content is not None and content.is_same(self._content):
            return False
        self._content = content
        self.repaints += 1
        body = self.query_one("#card-body", Static)
        body.update(content, layout=False)
        if self._moves(body):
            body.refresh(layout=True)
        return True

    def _moves(self, body: Static) -> bool:
        """Whether the body's height changes with its new content, which needs a layout pass.

        A layout pass reflows the whole screen and repaints every widget on it; on a pop that was a
        third of the desk's work (docs/performance.md). The body is at least as tall as the card
        (`min-height: 100%`), so a card that fits keeps its height and only the card is drawn again.
        """
        width = body.content_size.width
        if not width:
            return True  # not laid out yet
        height = max(body.get_content_height(self.content_size, self.content_size, width),
                     self.content_size.height)
        return height != body.size.height

    @property
    def shown(self) -> str:
        """The card's plain text ('' before the first paint)."""
        return self._content.plain if self._content is not None else ""
