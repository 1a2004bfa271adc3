"""What the desk says at each step of a recovery from a network change (`desk.network_notice`)."""

from __future__ import annotations

from agent_tui.desk.effects import Notify
from agent_tui.desk.network_notice import LOST_TIMEOUT_S, network_notice
from agent_tui.i18n import load_catalog
from agent_tui.phone.events import NetworkChange


def test_each_step_the_agent_must_know_about_has_its_note() -> None:
    lost = network_notice(NetworkChange("lost"))
    assert lost is not None
    assert lost.severity == "warning"
    assert lost.timeout == LOST_TIMEOUT_S
    with_call = network_notice(NetworkChange("recovering", "address changed", ("10.0.0.2",), ("c1",)))
    assert with_call == Notify("Network changed: re-registering and restoring the call…", severity="warning")
    idle = network_notice(NetworkChange("recovering", "address changed", ("10.0.0.2",)))
    assert idle == Notify("Network changed: re-registering…", severity="warning")
    assert network_notice(NetworkChange("call-restored", call_ids=("c1",))) == Notify(
        "Network changed: call restored.")
    assert network_notice(NetworkChange("recovered", call_ids=("c1",))) == Notify(
        "Network changed: call restored.")
    assert network_notice(NetworkChange("recovered")) == Notify(
        "Network changed: the phone is registered again.")


def test_a_failure_names_what_was_missing() -> None:
    call = network_notice(NetworkChange("failed", "no answer to the re-INVITE after 30 s", call_ids=("c1",)))
    assert call is not None
    assert call.severity == "error"
    assert call.params == {"reason": "no answer to the re-INVITE after 30 s"}
    assert "call could not be restored" in call.text
    alone = network_notice(NetworkChange("failed", "no registration after 30 s"))
    assert alone is not None
    assert "could not register again" in alone.text


def test_re_registered_with_a_call_still_owed_says_nothing_yet() -> None:
    assert network_notice(NetworkChange("re-registered", call_ids=("c1",))) is None


def test_every_note_is_translated() -> None:
    catalog = load_catalog("zh")
    for state in ("lost", "recovering", "call-restored", "recovered", "failed"):
        for calls in ((), ("c1",)):
            note = network_notice(NetworkChange(state, "why", (), calls))
            assert note is not None
            assert note.text in catalog, note.text
