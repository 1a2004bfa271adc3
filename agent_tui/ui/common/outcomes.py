"""Outcome codes in words: a call's end reason ("local hangup") and its wrap-up disposition
("ticket_created") are data codes; agents read them in the UI language, never raw.

One table for both: the wrap-up panel offers `DISPOSITION_LABELS`, the customer card's recent
contacts and the session's call list show any code through `outcome_label`.
"""

from __future__ import annotations

from agent_tui.i18n import Translator
from agent_tui.ui.common.text import clean

DISPOSITION_LABELS: dict[str, str] = {
    "resolved": "Resolved",
    "ticket_created": "Work order taken",
    "information": "Information given",
    "transferred": "Transferred",
    "callback": "Callback promised",
    "complaint": "Complaint recorded",
    "wrong_number": "Wrong number",
    "other": "Other",
}
"""Wrap-up dispositions the agent chooses from, in the order offered (code → English label)."""

END_LABELS: dict[str, str] = {
    "local hangup": "Agent hung up",
    "remote hangup": "Caller hung up",
    "missed": "Missed",
    "rejected": "Rejected",
    "cancelled": "Call cancelled",
    "failed": "Call failed",
}
"""How a call ended, as the phone reports it (`agent_tui.phone.core`), in words."""


def outcome_label(t: Translator, code: str) -> str:
    """`code` in the UI language; an unknown code is shown cleaned, its underscores as spaces."""
    key = code.strip()
    label = DISPOSITION_LABELS.get(key) or END_LABELS.get(key) or END_LABELS.get(key.replace("_", " "))
    if label is not None:
        return t.t(label)
    return clean(key.replace("_", " "), 80)
