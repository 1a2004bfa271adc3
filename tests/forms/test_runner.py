"""Running screens: branching routes, going back, prefill, read-back, the ticket, and the dict round trip."""

from __future__ import annotations

from typing import Any

import pytest

from agent_tui.domain.base import JsonScalar
from agent_tui.domain.customer import Customer
from agent_tui.domain.screen import StepKind
from agent_tui.domain.ticket import TicketCreate, TicketType
from agent_tui.forms.prefill import PrefillContext
from agent_tui.forms.runner import FormError, FormRun
from tests.forms.screens import NOW, clock, shipped, walk

_ROUTES: list[tuple[str, dict[str, JsonScalar], str]] = [
    ("repair", {"fault_type": "danger"}, "fault emergency contact readback submitted"),
    ("repair", {"fault_type": "area_outage", "notice_found": "planned"},
     "fault area_check planned_outage"),
    ("repair", {"fault_type": "area_outage", "notice_found": "none"},
     "fault area_check location contact readback submitted"),
    ("repair", {"fault_type": "household", "breaker": "reset_ok"}, "fault household_check resolved"),
    ("repair", {"fault_type": "household", "breaker": "trips_again"},
     "fault household_check location contact readback submitted"),
    ("repair", {"fault_type": "voltage"}, "fault location contact readback submitted"),
    ("complaint", {"category": "staff_conduct", "repeat": False},
     "category staff details outcome readback accepted"),
    ("complaint", {"category": "billing", "repeat": True},
     "category billing details repeat_case outcome readback accepted"),
    ("complaint", {"category": "metering", "repeat": "否"},
     "category billing details outcome readback accepted"),
    ("complaint", {"category": "repair", "repeat": "no"}, "category details outcome readback accepted"),
    ("consultation", {"topic": "billing", "answered": True}, "topic billing result readback recorded"),
    ("consultation", {"topic": "outage", "notice_found": "none", "without_power_now": True},
     "topic outage suggest_repair readback recorded"),
    ("consultation", {"topic": "outage", "notice_found": "none", "without_power_now": False,
                      "answered": True}, "topic outage result readback recorded"),
    ("consultation", {"topic": "outage", "notice_found": "planned", "without_power_now": True,
                      "answered": True}, "topic outage result readback recorded"),
    ("consultation", {"topic": "tariff", "answered": False},
     "topic tariff result follow_up readback recorded"),
    ("consultation", {"topic": "other", "answered": True}, "topic general result readback recorded"),
    ("suggestion", {"kind": "praise"}, "kind praise contact readback recorded"),
    ("suggestion", {"kind": "suggestion"}, "kind suggestion contact readback recorded"),
    ("application", {"service": "new", "customer_type": "residential"},
     "service new_connection contact readback accepted"),
    ("application", {"service": "new", "customer_type": "business"},
     "service new_business contact readback accepted"),
    ("application", {"service": "increase"}, "service capacity contact readback accepted"),
    ("application", {"service": "change", "change_kind": "transfer"},
     "service change transfer contact readback accepted"),
    ("application", {"service": "change", "change_kind": "rename"},
     "service change change_details contact readback accepted"),
    ("status_query", {}, "order result done"),
    ("return_visit", {"reached": True, "resolved": True, "charged": False, "attitude": "satisfied",
                      "score": 9},
     "greeting resolved attitude suggestion done"),
    ("return_visit", {"reached": False}, "greeting unreachable"),
    ("outage_notice", {"reached": True, "understood": True, "special_need": False},
     "greeting notice needs done"),
    ("outage_notice", {"reached": False}, "greeting not_reached"),
    ("arrears_reminder", {"reached": True, "disputed": False}, "greeting amount promise done"),
    ("arrears_reminder", {"reached": False}, "greeting not_reached"),
]
ROUTES = [(screen_id, answers, route.split()) for screen_id, answers, route in _ROUTES]


@pytest.mark.parametrize(("screen_id", "answers", "route"), ROUTES,
                         ids=[f"{s}-{'-'.join(r[1:-1])}" for s, _, r in ROUTES])
def test_branching_routes(screen_id: str, answers: dict[str, JsonScalar], route: list[str]) -> None:
    run = walk(screen_id, answers)
    assert [step.id for step in run.route] == route
    assert run.visited == route
    assert run.complete
    filed = run.files_ticket
    assert filed == (route[-2] == "readback")
    assert run.readback_done == filed
    if filed:
        ticket = run.to_ticket(7, "call-1")
        again = TicketCreate.model_validate_json(ticket.model_dump_json())
        assert again == ticket
        assert ticket.ticket_type == TicketType(screen_id)
        assert ticket.screen_id == screen_id
        assert ticket.fields == {f.id: v for f, v in run.route_answers()}
        assert set(answers) <= set(ticket.fields)
        assert ticket.subject.startswith(shipped()[screen_id].title["en"])  # type: ignore[index]
    else:
        with pytest.raises(FormError):
            run.to_ticket(7, "call-1")


def test_every_step_of_every_screen_is_on_some_tested_route() -> None:
    covered = {(screen_id, step) for screen_id, _, route in ROUTES for step in route}
    every = {(screen.id, step.id) for screen in shipped().values() for step in screen.steps}
    assert every - covered == set()


def test_emergency_and_repeat_routes_raise_priority() -> None:
    assert walk("repair", {"fault_type": "danger"}).to_ticket().priority == 1
    assert walk("repair", {"fault_type": "voltage"}).to_ticket().priority == 3
    assert walk("complaint", {"category": "other", "repeat": True}).to_ticket().priority == 2


def test_required_fields_block_next_and_say_which() -> None:
    run = FormRun(shipped()["repair"], clock=clock)
    assert not run.can_advance
    with pytest.raises(FormError) as caught:
        run.next()
    assert set(caught.value.errors) == {"fault_type"}
    assert str(caught.value.errors["fault_type"]) == "This field is required."
    message = run.set("fault_type", "purple")
    assert message is not None
    assert str(message) == "Choose one of the listed options."
    assert run.error("fault_type") == message
    assert run.text("fault_type") == "purple"
    assert not run.can_advance
    assert run.set("fault_type", "5") is None
    assert run.value("fault_type") == "meter"
    assert run.error("fault_type") is None
    assert run.can_advance
    assert run.target() == "location"


def test_set_outside_the_current_step_is_refused() -> None:
    run = FormRun(shipped()["repair"], clock=clock)
    with pytest.raises(FormError):
        run.set("address", "北京市朝阳区建国路1号")
    with pytest.raises(FormError):
        run.back()


def test_back_keeps_answers_and_a_new_branch_replaces_the_route() -> None:
    run = FormRun(shipped()["repair"], clock=clock)
    run.set("fault_type", "danger")
    assert run.next().id == "emergency"
    run.set("hazard", "wire_down")
    assert run.back().id == "fault"
    assert run.value("hazard") == "wire_down"
    run.set("fault_type", "voltage")
    assert run.next().id == "location"
    assert [s.id for s in run.route] == ["fault", "location"]
    assert run.visited == ["fault", "emergency", "location"]
    # An answer from the abandoned branch is not part of the order.
    assert "hazard" not in dict(run.route_answers_by_id())
    before = run.revision
    run.back()
    assert run.revision == before + 1


def test_prefill_from_customer_and_call() -> None:
    customer = Customer(
        id=42, account="3300123456", name="李四", phones=["0571-87654321", "13900001111"],
        address="杭州市西湖区文三路100号", created_at=NOW, updated_at=NOW, customer_type="business",
    )
    call = {"number": "+86 139 0000 1111", "call_id": "abc@10.0.0.1", "queue": "95598"}
    screen = shipped()["application"]
    run = FormRun.start(screen, PrefillContext(customer=customer, call=call), clock=clock)
    assert run.customer_id == 42
    assert run.call_id == "abc@10.0.0.1"
    assert run.value("customer_type") == "business"
    assert run.value("contact_phone") == "13900001111"
    assert run.value("applicant") == "李四"
    assert run.value("account") == "3300123456"
    assert "contact_phone" in run.prefilled
    assert run.revision == 0
    run.set("service", "new")
    assert run.next().id == "new_business"


def test_prefill_by_index_and_a_bad_prefill_shows_an_error() -> None:
    from agent_tui.forms.prefill import resolve_prefill

    context = PrefillContext(customer={"phones": ["13800000000"], "name": "王五"}, call={"number": "95598"})
    assert resolve_prefill("customer.phones[0]", context) == "13800000000"
    assert resolve_prefill("customer.phones[3]", context) is None
    assert resolve_prefill("customer.nothing.deeper", context) is None
    assert resolve_prefill("call.number", PrefillContext()) is None
    run = FormRun.start(shipped()["repair"], context, clock=clock)
    # The service number is no callback number: the field shows what came in, with the reason.
    assert run.text("contact_phone") == "95598"
    assert run.error("contact_phone") is not None
    assert run.value("contact_name") == "王五"


def test_readback_in_chinese_uses_labels() -> None:
    run = walk("repair", {"fault_type": "danger", "hazard": "wire_down", "people_hurt": True,
                          "address": "北京市朝阳区建国路1号", "contact_phone": "138 1234 5678"},
               language="zh")
    lines = dict(run.readback(lambda s, **p: {"Yes": "是", "No": "否"}.get(s, s).format(**p)))
    assert lines["故障类型"] == "安全隐患：电线断落、设备冒烟起火、有人触电"
    assert lines["险情"] == "电线断落"
    assert lines["是否有人员受伤"] == "是"
    assert lines["联系电话"] == "13812345678"
    assert run.text("contact_phone") == "138 1234 5678"
    text = run.readback_text(lambda s, **p: s.replace(": ", "：").format(**p))
    assert "险情：电线断落" in text.splitlines()


def test_readback_uses_the_shipped_chinese_catalog_by_default() -> None:
    run = walk("repair", {"fault_type": "danger", "people_hurt": False}, language="zh")
    ticket = run.to_ticket()
    assert "是否有人员受伤：否" in ticket.description.splitlines()
    assert ticket.subject == "故障报修 · 安全隐患：电线断落、设备冒烟起火、有人触电 · 北京市朝阳区建国路1号"


def test_prompt_placeholders() -> None:
    run = FormRun(shipped()["repair"], language="zh", clock=clock)
    step = run.step.model_copy(update={"prompt": {"en": "Agent {agent} {unknown}", "zh": "工号{agent}"}})
    assert run.prompt(step, agent="1024") == "工号1024"
    run.language = "en"
    assert run.prompt(step, agent="1024") == "Agent 1024 {unknown}"


def test_round_trip_through_a_dict() -> None:
    run = FormRun.start(shipped()["complaint"], PrefillContext(call={"number": "13812345678"}),
                        clock=clock, draft_id="d1")
    run.set("category", "billing")
    run.next()
    run.set("account", "12-3456-7890")
    run.set("bill_month", "April")
    restored = FormRun.from_dict(shipped()["complaint"], run.to_dict(), clock=clock)
    assert restored.to_dict() == run.to_dict()
    assert restored.step.id == "billing"
    assert restored.text("account") == "12-3456-7890"
    assert restored.value("account") == "1234567890"
    assert restored.error("bill_month") is not None
    assert restored.back().id == "category"


def test_saved_relative_dates_keep_their_day() -> None:
    """A draft saved with "today" typed keeps that day when restored tomorrow."""
    run = walk("suggestion", {"kind": "praise"})
    while run.step.id != "praise":
        run.back()
    run.set("event_date", "today")
    data = run.to_dict()
    later = FormRun.from_dict(shipped()["suggestion"], data, clock=lambda: NOW.replace(day=16))
    assert later.value("event_date") == "2024-05-15"


@pytest.mark.parametrize("change", [{"screen_id": "repair"}, {"step": "gone"}, {"history": ["gone"]},
                                    {"format": 99}])
def test_from_dict_refuses_drafts_that_do_not_fit(change: dict[str, Any]) -> None:
    run = FormRun(shipped()["complaint"], clock=clock)
    with pytest.raises(FormError):
        FormRun.from_dict(shipped()["complaint"], {**run.to_dict(), **change})


def test_from_dict_drops_unknown_fields_and_bad_values() -> None:
    run = FormRun(shipped()["complaint"], clock=clock)
    data = run.to_dict()
    data["answers"] = {"category": "billing", "nonsense": "x", "repeat": ["not", "a", "scalar"]}
    restored = FormRun.from_dict(shipped()["complaint"], data, clock=clock)
    assert restored.answers == {"category": "billing"}


def test_end_steps_cannot_advance() -> None:
    run = walk("status_query", {"order_number": "GD20240501000123"})
    assert run.step.kind == StepKind.END
    assert not run.can_advance
    with pytest.raises(FormError):
        run.next()
    with pytest.raises(FormError):
        run.to_ticket()
    assert run.readback() == [("Order number", "GD20240501000123"),
                              ("Status told to the caller", "In progress, on time")]


def test_answers_left_on_an_abandoned_branch_do_not_steer() -> None:
    from agent_tui.domain.screen import ScreenDefinition

    screen = ScreenDefinition.model_validate({
        "id": "s", "title": "S", "steps": [
            {"id": "a", "title": "A", "next": "c",
             "fields": [{"id": "x", "label": "X", "type": "choice",
                         "choices": [{"value": "p", "label": "P"}, {"value": "q", "label": "Q"}]}],
             "branches": [{"when": [{"field": "x", "equals": "p"}], "goto": "b"}]},
            {"id": "b", "title": "B", "next": "d",
             "fields": [{"id": "flag", "label": "F", "type": "boolean"}]},
            {"id": "c", "title": "C", "next": "d"},
            {"id": "d", "title": "D", "next": "f",
             "branches": [{"when": [{"field": "flag", "equals": True}], "goto": "e"}]},
            {"id": "e", "title": "E", "kind": "end"},
            {"id": "f", "title": "F", "kind": "end"},
        ]})
    run = FormRun(screen, clock=clock)
    run.set("x", "p")
    run.next()
    run.set("flag", True)
    run.next()
    assert run.target() == "e"
    run.back()
    run.back()
    run.set("x", "q")
    assert [run.next().id, run.next().id] == ["c", "d"]
    assert run.value("flag") is True
    assert run.target() == "f"
