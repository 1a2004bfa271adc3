"""`[desk]`: how the agent desk behaves around calls (after-call work, ringing, outbound work) and
the targets it shows."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from agent_tui.config.section import Section


class DeskSettings(Section):
    """How the agent desk behaves around calls, and the targets it shows."""

    acw_mode: Literal["optional", "mandatory", "timeboxed"] = "timeboxed"
    """After-call work (话后处理): `optional` (the agent may skip it), `mandatory` (until the agent
    finishes the wrap-up), `timeboxed` (ends by itself after `acw_seconds`)."""
    acw_seconds: int = Field(default=60, ge=0, le=3600)
    """Length of timeboxed after-call work, and the target shown for the other modes."""
    acw_expiry: Literal["save", "stay"] = "save"
    """When timeboxed after-call work runs out with the wrap-up unsaved: `save` what was typed with the
    call record and its ACW time, or `stay` in after-call work until the agent saves it. No call is
    offered while a wrap-up is unsaved either way."""
    auto_ready_after_acw: bool = True
    """Go Ready (示闲) when after-call work ends; else Not Ready."""
    missed_call_not_ready: bool = True
    """Go Not Ready (`missed_call`) when an offered call rings out unanswered while the agent was Ready,
    so the queue stops offering calls to an empty seat."""
    order_alerts: bool = True
    """Show a line on the desk when an order this agent filed is at risk, breached or not accepted in
    time. The server sends them only when its `[escalation] notify_filing_agent` is on."""
    ring_timeout_s: float = Field(default=30.0, gt=0, le=600)
    """Seconds a call may ring here unanswered; then the phone refuses it with 480 Temporarily
    Unavailable (so the PBX offers it elsewhere) and the desk counts it as missed. Keep it below the
    PBX's own per-agent ring time, or the PBX cancels first and the call is not counted as missed."""
    aht_target_s: int = Field(default=300, gt=0, le=86400)
    """Average handle time target (talk + hold + ACW), in seconds."""
    fcr_target: float = Field(default=0.85, ge=0, le=1)
    """First-call resolution target, as a fraction."""
    service_level_target_s: int = Field(default=20, gt=0, le=3600)
    """Service level: calls answered within this many seconds…"""
    service_level_goal: float = Field(default=0.8, ge=0, le=1)
    """…should be at least this fraction of the offered calls."""
    draft_autosave_s: float = Field(default=2.0, gt=0, le=60)
    """Seconds between saves of the screen being filled in, so nothing typed is lost."""
    slow_lookup_s: float = Field(default=1.0, gt=0, le=60)
    """A ringing call's customer lookup slower than this shows "slow lookup (N.N s)" on the card."""
    survey_uri: str = Field(default="", max_length=256)
    """SIP URI of the keypad satisfaction survey (`agent-tui survey`), e.g. `sip:survey@pbx.example`;
    empty: no survey. ctrl+x sends the caller there after the goodbye (a blind transfer that carries
    the call's id in `X-Call-Id` and the backend's survey token for it in `X-Survey-Token`)."""
    survey_on_hangup: bool = False
    """Hanging up a customer's call sends the caller to the survey instead (needs `survey_uri`)."""
    outbound_mode: Literal["off", "preview", "progressive"] = "off"
    """Outbound work (callbacks, campaign contacts) offered when the agent is Ready and idle: `off`
    (callbacks are claimed by hand from the list), `preview` (the agent accepts with ctrl+y or skips
    with ctrl+f during the countdown; when it runs out the item goes back and outbound pauses until
    ctrl+y), or
    `progressive` (dialled when the countdown ends). An inbound call always comes first."""
    outbound_preview_s: float = Field(default=15.0, ge=0, le=300)
    """Length of the preview's countdown, in seconds (0 with `progressive`: dial at once)."""
    outbound_poll_s: float = Field(default=20.0, gt=0, le=3600)
    """When nothing is waiting, ask again after this many seconds."""
    outbound_queues: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    """Offer only callbacks of these queues (empty: every queue)."""
