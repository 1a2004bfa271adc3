"""The desk's settings as the UI needs them: a frozen dataclass built from `Settings` in `launch`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from agent_tui.config import BackendSettings, Settings

ClockMode = Literal["seconds", "minutes", "off"]
AcwMode = Literal["optional", "mandatory", "timeboxed"]


@dataclass(frozen=True)
class DeskOptions:
    """How the desk looks and behaves for this agent."""

    username: str = "agent"
    """Backend user name (the agent's id in state changes and call records)."""
    language: str = "en"
    theme: str = "dark"
    single_key_shortcuts: bool = True
    """Allow one-key shortcuts (a = answer...); off for screen readers and sticky keyboards."""
    mouse: bool = True
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id → keys (comma separated), e.g. `{"desk.answer": "f12"}`."""
    clock: ClockMode = "minutes"
    """The clock cell: `seconds` repaints once a second, `minutes` once a minute."""
    acw_mode: AcwMode = "optional"
    """After-call work: `optional` (the agent ends it), `mandatory` (wrap-up first), `timeboxed`."""
    acw_seconds: int = 60
    """Length of time-boxed after-call work, and the target shown for the others."""
    aht_target_s: float = 360.0
    """Average handling time above this shows in the warning colour."""
    fcr_target: float = 0.85
    """First-call resolution below this shows in the warning colour."""
    lookup_timeout_s: float = 3.0
    """A screen-pop lookup slower than this is abandoned and the card says so."""
    slow_lookup_s: float = 1.0
    """A screen-pop lookup slower than this marks the card "slow lookup (N.N s)" (and the link cell)."""
    acw_expiry: Literal["save", "stay"] = "save"
    """Time-boxed after-call work ran out: save what was typed, or stay in ACW until it is saved."""
    auto_ready_after_acw: bool = True
    """Go Ready by itself when after-call work ends."""
    missed_call_not_ready: bool = True
    """A call that rang out unanswered while Ready sets Not Ready (`missed_call`)."""
    order_alerts: bool = True
    """Show alerts about the agent's own orders in a line on the desk."""
    outbound_mode: Literal["off", "preview", "progressive"] = "off"
    """Outbound work offered when Ready and idle (see `DeskSettings.outbound_mode`)."""
    outbound_preview_s: float = 15.0
    """The outbound preview's countdown."""
    outbound_poll_s: float = 20.0
    """Ask again for outbound work after this when there was none."""
    recordings_dir: Path | None = None
    """Where the phone records calls; None when recording is off."""
    recordings_min_free_mb: int = 50
    """Warn at answer when the recordings disk has less free space than this."""
    backend_url: str = str(BackendSettings.model_fields["url"].default)
    """The backend's address, named when a login fails (down, or the password is wrong?)."""
    sip_password_asked: bool = True
    """The login asks for a SIP password: only with a registrar (listen mode registers nowhere)."""
    survey_uri: str = ""
    """SIP URI of the keypad satisfaction survey; empty: none."""
    survey_on_hangup: bool = False
    """Hanging up a customer's call sends the caller to the survey instead."""


def desk_options(settings: Settings, username: str) -> DeskOptions:
    """The UI's options from the settings."""
    ui, desk = settings.ui, settings.desk
    keymap: dict[str, str] = {}
    for binding_id, keys in ui.keymap.items():
        # `answer = "f5"` in the config file means every binding of that action.
        ids = [binding_id] if "." in binding_id else [f"desk.{binding_id}", f"app.{binding_id}",
                                                      f"form.{binding_id}"]
        keymap.update({i: str(keys) for i in ids})
    return DeskOptions(
        order_alerts=desk.order_alerts,
        username=username, language=ui.language, theme=ui.theme,
        single_key_shortcuts=ui.single_key_shortcuts, mouse=ui.mouse, keymap=keymap,
        clock="minutes" if ui.clock else "off", acw_mode=desk.acw_mode, acw_seconds=desk.acw_seconds,
        aht_target_s=float(desk.aht_target_s), fcr_target=desk.fcr_target,
        auto_ready_after_acw=desk.auto_ready_after_acw, slow_lookup_s=desk.slow_lookup_s,
        acw_expiry=desk.acw_expiry, missed_call_not_ready=desk.missed_call_not_ready,
        outbound_mode=desk.outbound_mode, outbound_preview_s=desk.outbound_preview_s,
        outbound_poll_s=desk.outbound_poll_s,
        recordings_dir=settings.recording.resolve_directory() if settings.recording.enabled else None,
        backend_url=settings.backend.url, sip_password_asked=settings.sip.mode == "registrar",
        survey_uri=desk.survey_uri, survey_on_hangup=desk.survey_on_hangup,
    )
