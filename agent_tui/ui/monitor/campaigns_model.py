"""The campaigns panel's behaviour, without Textual: the list and its selection, what may be done to
the selected campaign, and a new campaign made from what the supervisor typed.

A new campaign's customers come from a filter (`area=城东区 tier=gold,diamond arrears limit=50`) or a
CSV file (a path ending in .csv). Every problem is collected and shown at once, as a message key and
its values for the translator; nothing is sent while one remains.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from agent_tui.domain.base import utc_now
from agent_tui.domain.campaign_csv import parse_contacts
from agent_tui.domain.campaigns import (
    CAMPAIGN_MOVES,
    Campaign,
    CampaignCreate,
    CampaignState,
    CustomerFilter,
    ImportedContact,
    parse_window,
)

Problem = tuple[str, dict[str, object]]
"""A message (a translator key) and its values."""

ACTIONS: dict[str, CampaignState] = {
    "start": CampaignState.RUNNING, "pause": CampaignState.PAUSED, "finish": CampaignState.DONE,
}
"""Panel action → the state it moves the selected campaign to."""

MAX_CSV_BYTES = 2_000_000
_SPLIT = re.compile(r"[\s,;，；]+")


@dataclass
class CampaignForm:
    """What the supervisor typed into the new-campaign fields."""

    name: str = ""
    screen: str = ""
    source: str = ""
    """A filter, or the path of a CSV file."""
    agents: str = ""
    hours: str = ""
    """Windows `HH:MM-HH:MM` separated by spaces or commas (empty: the default office hours)."""


@dataclass
class Draft:
    """A campaign ready to send, or the problems that stop it."""

    body: CampaignCreate | None = None
    problems: list[Problem] = field(default_factory=list)


def parse_filter(text: str) -> tuple[CustomerFilter | None, list[Problem]]:
    """`area=… tier=a,b arrears limit=n` → a filter; unknown words are problems."""
    values: dict[str, object] = {}
    problems: list[Problem] = []
    tiers: list[str] = []
    for word in text.split():
        key, _, value = word.partition("=")
        key = key.lower()
        if key == "area" and value:
            values["area"] = value
        elif key in ("tier", "tiers") and value:
            tiers.extend(v for v in value.split(",") if v)
        elif key == "arrears" and not value:
            values["in_arrears"] = True
        elif key == "limit" and value.isdigit():
            values["limit"] = int(value)
        else:
            problems.append(("Not understood in the filter: {word}", {"word": word[:40]}))
    if tiers:
        values["tiers"] = tiers
    if problems:
        return None, problems
    try:
        return CustomerFilter.model_validate(values), []
    except ValidationError as error:
        return None, [("Filter: {detail}", {"detail": _first(error)})]


def _first(error: ValidationError) -> str:
    item = error.errors()[0]
    where = ".".join(str(p) for p in item["loc"])
    return f"{where}: {item['msg']}" if where else str(item["msg"])


def read_csv(path: Path, read: Callable[[Path], bytes]) -> tuple[list[ImportedContact] | None, list[Problem]]:
    """The contacts of a CSV file; every broken line named (and none imported) when one is broken."""
    try:
        data = read(path)
    except OSError as error:
        return None, [("Cannot read {path}: {error}", {"path": str(path), "error": error.strerror or error})]
    if len(data) > MAX_CSV_BYTES:
        return None, [("{path} is larger than 2 MB", {"path": str(path)})]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, [("{path} is not UTF-8 text", {"path": str(path)})]
    parsed = parse_contacts(text)
    if parsed.errors:
        return None, [("Line {line}: {problem} {value}",
                       {"line": e.line, "problem": e.problem, "value": e.value}) for e in parsed.errors]
    return parsed.contacts, []


def draft(form: CampaignForm, read: Callable[[Path], bytes]) -> Draft:
    """The campaign the form describes, or every problem with it."""
    out = Draft()
    if not form.name.strip():
        out.problems.append(("The campaign needs a name.", {}))
    if not form.screen.strip():
        out.problems.append(("The campaign needs a call screen.", {}))
    agents = [a for a in _SPLIT.split(form.agents) if a]
    if not agents:
        out.problems.append(("Assign at least one agent.", {}))
    hours = [h for h in _SPLIT.split(form.hours) if h]
    for window in hours:
        try:
            parse_window(window)
        except ValueError:
            out.problems.append(("Calling hours are HH:MM-HH:MM, not {value}", {"value": window[:20]}))
    source = form.source.strip()
    customer_filter: CustomerFilter | None = None
    contacts: list[ImportedContact] | None = None
    if not source:
        out.problems.append(("Give a filter (area=… tier=…) or the path of a CSV file.", {}))
    elif source.lower().endswith(".csv"):
        contacts, problems = read_csv(Path(source).expanduser(), read)
        out.problems.extend(problems)
    else:
        customer_filter, problems = parse_filter(source)
        out.problems.extend(problems)
    if out.problems:
        return out
    values: dict[str, object] = {"name": form.name.strip(), "screen": form.screen.strip(), "agents": agents,
                                 "customer_filter": customer_filter, "contacts": contacts}
    if hours:
        values["hours"] = hours
    try:
        out.body = CampaignCreate.model_validate(values)
    except ValidationError as error:
        out.problems.append(("Campaign: {detail}", {"detail": _first(error)}))
    return out


class CampaignAdmin(Protocol):
    """The campaign endpoints the panel calls (`CampaignAdminClient`)."""

    async def campaigns(self) -> list[Campaign]:
        """Every campaign with its progress."""

    async def create(self, body: CampaignCreate) -> Campaign:
        """Make a draft campaign."""

    async def move(self, campaign_id: int, action: str) -> Campaign:
        """start, pause or finish."""


class CampaignsModel:
    """The campaigns shown, newest first, and which one is selected (kept by id across refreshes)."""

    def __init__(self) -> None:
        self.campaigns: list[Campaign] = []
        """As the backend last answered."""
        self.selected_id: int | None = None
        self.loaded = False
        """A list came at least once (before that an empty list means "still loading")."""
        self.failing = False
        """The last refresh failed (the list shown is the last one read)."""
        self.failing_since: datetime | None = None
        """When the refreshes started failing (None: the last one worked)."""
        self.refused = False
        """The backend answered the failing refresh with 401/403: this account may not list campaigns."""

    def apply(self, campaigns: list[Campaign]) -> None:
        """A fresh list: the selection stays on the same campaign, or moves to the first one."""
        self.failing, self.failing_since, self.refused, self.loaded = False, None, False, True
        self.campaigns = list(campaigns)
        if self.selected_id not in {c.id for c in self.campaigns}:
            self.selected_id = self.campaigns[0].id if self.campaigns else None

    def refresh_failed(self, error: BaseException | None = None, now: datetime | None = None) -> bool:
        """A refresh failed (`error`, at `now`); True when it is the first since the last one that
        worked: the panel refreshes every few seconds, and an outage is told once, not once a refresh
        (the panel's own line keeps saying it: see `why_empty` and `stale_since`)."""
        first = not self.failing
        self.failing = True
        if first:
            self.failing_since = now or utc_now()
        self.refused = getattr(error, "status", None) in (401, 403)
        return first

    @property
    def stale_since(self) -> datetime | None:
        """Since when the list shown is not fresh (None: it is)."""
        return self.failing_since if self.failing else None

    def why_empty(self) -> Problem | None:
        """Why the list is empty, as the panel says it under its title (None: it is not empty).

        An empty table alone does not tell "no campaigns yet" from "the backend is down" or "this
        account may not see them"; the outage's one notification fades after a few seconds."""
        if self.campaigns:
            return None
        if self.failing and self.refused:
            return ("The backend refuses to list campaigns for this account: ask for a supervisor's "
                    "role.", {})
        if self.failing:
            return ("No campaigns shown: the backend cannot be reached since {since}. The list reloads "
                    "by itself.", {"since": self.failing_since})
        if not self.loaded:
            return ("Loading campaigns…", {})
        return ("No campaigns yet: fill in the fields below and press f2 to make one.", {})

    def updated(self, campaign: Campaign) -> None:
        """One campaign changed (made, started, paused): replaced in place, or added at the top."""
        for index, known in enumerate(self.campaigns):
            if known.id == campaign.id:
                self.campaigns[index] = campaign
                break
        else:
            self.campaigns.insert(0, campaign)
        self.selected_id = campaign.id

    def select(self, campaign_id: int) -> None:
        """Select a campaign of the list."""
        if any(c.id == campaign_id for c in self.campaigns):
            self.selected_id = campaign_id

    @property
    def current(self) -> Campaign | None:
        """The selected campaign."""
        return next((c for c in self.campaigns if c.id == self.selected_id), None)

    def allowed(self, action: str) -> bool:
        """May the selected campaign be started, paused or finished now?"""
        current = self.current
        return current is not None and ACTIONS[action] in CAMPAIGN_MOVES[current.state]


def state_key(campaign: Campaign) -> str:
    """The state to show (a translator key): a running campaign outside its calling hours says so."""
    if campaign.state == CampaignState.RUNNING and not campaign.in_hours:
        return "off hours"
    return campaign.state.value


def progress(campaign: Campaign) -> str:
    """`done/total` and a bar of ten cells (reads in monochrome too)."""
    filled = round(10 * campaign.done / campaign.total) if campaign.total else 0
    return f"{campaign.done}/{campaign.total} {'█' * filled}{'░' * (10 - filled)}"


def outcome_counts(campaign: Campaign) -> str:
    """The recorded outcomes, most frequent first: `informed 30 · no_answer 7`."""
    ordered = sorted(campaign.by_outcome.items(), key=lambda item: (-item[1], item[0]))
    return " · ".join(f"{code} {count}" for code, count in ordered)
