"""Return visits (回访) on the desk: which answers of the return-visit screen go to which backend route.

Plain rules, no Textual. The screen (`screens/return_visit.toml`) asks whether the customer was
reached; a customer not reached is an attempt (`POST /v1/return-visits/{id}/attempts`, tried again
later by the server's rule), a reached one gives the opinion (`POST .../result`), which closes the order
or reopens it. A visit that is not due yet is never offered; the list shows who holds a claimed one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from agent_tui.domain.base import JsonScalar
from agent_tui.domain.return_visits import ReturnVisitItem
from agent_tui.domain.ticket import Attitude, ReturnVisit

SCREEN_ID = "return_visit"
"""The screen the return visit is run on."""

UNREACHED_NOTE = "not reached on the return visit"
"""The note of an attempt when the agent wrote no suggestion (the server keeps it as the last note)."""


@dataclass(frozen=True)
class Unreached:
    """The customer was not reached: record an attempt."""

    note: str


class AnswersIncomplete(ValueError):
    """The answers do not make a result (a field the backend needs is missing or out of range)."""


def outcome(answers: Mapping[str, JsonScalar]) -> ReturnVisit | Unreached:
    """What the answers of the return-visit screen send to the backend."""
    if answers.get("reached") is not True:
        note = answers.get("suggestion")
        return Unreached(note=str(note).strip()[:200] if isinstance(note, str) and note.strip()
                         else UNREACHED_NOTE)
    try:
        return ReturnVisit(
            resolved=answers.get("resolved") is True, attitude=Attitude(str(answers.get("attitude"))),
            charged=answers.get("charged") is True, score=_score(answers.get("score")),
            suggestion=str(answers.get("suggestion") or ""),
        )
    except (ValueError, ValidationError) as error:
        raise AnswersIncomplete(str(error)) from error


def _score(value: JsonScalar) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("no score")
    return int(float(value))


def offered(items: list[ReturnVisitItem], username: str) -> list[ReturnVisitItem]:
    """The visits this agent may take: unclaimed ones and their own, due first (as the backend sorts)."""
    return [item for item in items if item.claimed_by in (None, username)]
