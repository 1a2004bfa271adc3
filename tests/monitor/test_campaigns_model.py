"""The campaigns panel's model without Textual: filters and CSV files read into a campaign, every problem
named at once (and translated), the selection kept across refreshes, and what the selected campaign allows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from agent_tui.domain.campaign_csv import parse_contacts
from agent_tui.domain.campaigns import CampaignState, within_hours
from agent_tui.i18n import load_catalog
from agent_tui.ui.monitor.campaigns_model import (
    CampaignForm,
    CampaignsModel,
    draft,
    outcome_counts,
    progress,
    state_key,
)
from tests.monitor.campaign_doubles import campaign

GOOD = "phone,name,customer_id\n13800000001,王芳,1\n+86 139-0000-0002,Mary Smith,\n\n"
BROKEN = "phone,name\n13800000001,王芳\ncall me,李娜\n13800000003\n1380000000x,张敏\n"


def files(contents: dict[str, str]) -> Callable[[Path], bytes]:
    def read(path: Path) -> bytes:
        if path.name not in contents:
            raise FileNotFoundError(2, "No such file or directory")
        return contents[path.name].encode("utf-8")
    return read


def form(**values: str) -> CampaignForm:
    base = {"name": "停电预告", "screen": "outage_notice", "agents": "agent01, agent02", "hours": "",
            "source": "area=城东区 tier=gold,diamond limit=50"}
    base.update(values)
    return CampaignForm(**base)


def test_a_filter_becomes_a_campaign() -> None:
    made = draft(form(hours="09:00-12:00 14:00-20:00"), files({}))
    assert made.problems == []
    assert made.body is not None
    assert made.body.customer_filter is not None
    wanted = made.body.customer_filter
    assert (wanted.area, wanted.tiers) == ("城东区", ["gold", "diamond"])
    assert made.body.customer_filter.limit == 50
    assert made.body.agents == ["agent01", "agent02"]
    assert made.body.hours == ["09:00-12:00", "14:00-20:00"]
    arrears = draft(form(source="arrears"), files({}))
    assert arrears.body is not None
    assert arrears.body.customer_filter is not None
    assert arrears.body.customer_filter.in_arrears


def test_a_csv_file_becomes_a_campaign() -> None:
    made = draft(form(source="/data/list.csv"), files({"list.csv": GOOD}))
    assert made.problems == []
    assert made.body is not None
    contacts = made.body.contacts
    assert contacts is not None
    assert [(c.phone, c.name, c.customer_id) for c in contacts] == [
        ("13800000001", "王芳", 1), ("+86 139-0000-0002", "Mary Smith", None)]


def test_a_csv_with_broken_rows_names_every_line_and_imports_none() -> None:
    parsed = parse_contacts(BROKEN)
    assert [(e.line, e.problem) for e in parsed.errors] == [
        (3, "not a phone number"), (4, "wrong number of columns"), (5, "not a phone number")]
    made = draft(form(source="list.csv"), files({"list.csv": BROKEN}))
    assert made.body is None
    assert [values["line"] for _key, values in made.problems] == [3, 4, 5]
    assert parse_contacts("name\n王芳\n").errors[0].problem == "the header has no phone column"
    assert parse_contacts("").errors[0].problem == "no header line (phone,name)"
    bad_id = parse_contacts("phone,customer_id\n13800000001,abc\n")
    assert bad_id.errors[0].problem == "customer_id is not a number"


def test_every_problem_at_once_and_each_translated() -> None:
    made = draft(CampaignForm(name=" ", screen="", agents="", hours="9-12 25:00-26:00", source="zone=x"),
                 files({}))
    assert made.body is None
    keys = [key for key, _values in made.problems]
    hours = "Calling hours are HH:MM-HH:MM, not {value}"
    assert keys == ["The campaign needs a name.", "The campaign needs a call screen.",
                    "Assign at least one agent.", hours, hours, "Not understood in the filter: {word}"]
    missing = draft(form(source="gone.csv"), files({}))
    bad_limit = draft(form(source="limit=0"), files({}))
    not_text = draft(form(source="x.csv"), lambda _p: b"\xff\xfe\x00")
    empty = draft(form(source=""), files({}))
    catalog = load_catalog("zh")
    every = [*made.problems, *missing.problems, *bad_limit.problems, *not_text.problems, *empty.problems]
    assert len(every) == 10
    for key, _values in every:
        assert key in catalog, key
    for line in parse_contacts(BROKEN).errors:
        assert line.problem in catalog, line.problem


@pytest.mark.parametrize(("windows", "clock", "inside"), [
    (["09:00-12:00", "14:00-20:00"], "11:59", True), (["09:00-12:00", "14:00-20:00"], "12:00", False),
    (["09:00-12:00", "14:00-20:00"], "13:30", False), (["00:00-24:00"], "23:59", True),
])
def test_calling_hours(windows: list[str], clock: str, inside: bool) -> None:
    assert within_hours(windows, datetime.fromisoformat(f"2026-12-05T{clock}:00")) is inside


def test_selection_survives_a_refresh_and_actions_follow_the_state() -> None:
    model = CampaignsModel()
    model.apply([campaign(3, "c"), campaign(2, "b", "running"), campaign(1, "a", "done")])
    assert model.current is not None
    assert model.current.id == 3
    assert (model.allowed("start"), model.allowed("pause"), model.allowed("finish")) == (True, False, True)
    model.select(2)
    model.apply([campaign(4, "d"), campaign(3, "c"), campaign(2, "b", "running", done=4)])
    assert model.current is not None
    assert (model.current.id, model.current.done) == (2, 4)
    assert (model.allowed("start"), model.allowed("pause")) == (False, True)
    model.select(99)  # not in the list: the selection stays
    assert model.selected_id == 2
    model.apply([campaign(4, "d")])
    assert model.selected_id == 4  # the selected one is gone: the first one
    model.select(4)
    model.updated(campaign(4, "d", "running"))
    assert model.allowed("pause")
    finished = campaign(1, "a", "done", total=10, done=10)
    model.apply([finished])
    assert not any(model.allowed(a) for a in ("start", "pause", "finish"))
    assert progress(finished) == "10/10 ██████████"
    assert state_key(finished) == "done"
    waiting = campaign(7, "g", "running").model_copy(update={"in_hours": False})
    assert state_key(waiting) == "off hours"
    assert state_key(waiting.model_copy(update={"state": CampaignState.PAUSED})) == "paused"
    assert progress(campaign(5, "e", total=0)) == "0/0 ░░░░░░░░░░"
    shown = campaign(6, "f", done=3).model_copy(update={"by_outcome": {"no_answer": 1, "informed": 3}})
    assert outcome_counts(shown) == "informed 3 · no_answer 1"
