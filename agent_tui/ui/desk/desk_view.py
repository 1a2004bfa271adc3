"""What the desk screen paints from the desk model: the status cells, the ringing banner, the call line.

Plain functions over the model and the widgets: each widget skips a repaint when its text is unchanged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text

from agent_tui.desk.model import DeskModel
from agent_tui.domain.agent import AgentStateName
from agent_tui.i18n import Translator
from agent_tui.sync.desk_link import LinkStatus
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.common.reason import REASON_LABELS
from agent_tui.ui.common.text import duration, plain
from agent_tui.ui.desk.call_bar import RingingBanner
from agent_tui.ui.desk.status_bar import StatusBar

TLS_ERROR_PREFIX = "TLS error"
"""How the outbox's last error starts when the backend's certificate was refused (it stops sending)."""
SYNCING_SHOWN_AFTER_S = 1.0
"""A write still queued after this long shows "Syncing N"; shorter ones (every state change) would make
the status bar flicker and cost two repaints per write."""

STATE_LABELS = {
    AgentStateName.READY: "Ready",
    AgentStateName.NOT_READY: "Not Ready",
    AgentStateName.ACW: "After-call work",
    AgentStateName.ON_CALL: "On call",
    AgentStateName.RINGING: "Ringing",
    AgentStateName.LOGGED_OUT: "Logged out",
}
STATE_CLASSES = {
    AgentStateName.READY: "-ready",
    AgentStateName.NOT_READY: "-not-ready",
    AgentStateName.ACW: "-acw",
    AgentStateName.ON_CALL: "-on-call",
    AgentStateName.RINGING: "-on-call",
    AgentStateName.LOGGED_OUT: "-not-ready",
}
STATE_MARKS = {AgentStateName.READY: "●", AgentStateName.NOT_READY: "○", AgentStateName.ACW: "◐"}


@dataclass(frozen=True)
class LinkView:
    """What the status bar shows about the phone and the backend besides the model."""

    has_phone: bool
    sip_ok: bool | None
    link: LinkStatus
    queued_since: float | None
    slow_lookup: bool
    monitored_mark: str
    satisfaction_avg: float | None = None
    """Today's average keypad score of this agent's calls (from the backend); None: none yet."""


def state_label(t: Translator, state: AgentStateName, reason: str | None) -> str:
    """"Not Ready (Meal)", "Ready"..."""
    label = t.t(STATE_LABELS.get(state, state.value))
    if state == AgentStateName.NOT_READY and reason:
        label += f" ({t.t(REASON_LABELS.get(reason, reason))})"
    return label


def paint_status(bar: StatusBar, t: Translator, model: DeskModel, options: DeskOptions,
                 view: LinkView) -> None:
    """The state, SIP, link, figures and clock cells."""
    status = model.status
    state = status.state
    label = state_label(t, state, status.reason)
    if state == AgentStateName.ACW and model.acw_since is not None:
        left = model.acw_left_s()
        if left is None:
            label += " " + duration(model.acw_used_s())
        elif left >= 0:
            label += " " + duration(left)
        else:  # `acw_expiry = "stay"`: the wrap-up is still to be saved
            label += " " + t.t("{time} over", time=duration(-left))
    elif state == AgentStateName.ON_CALL:
        label += " " + duration(status.elapsed(model.clock.monotonic()))
    else:
        # Idle: minute resolution, so an idle desk does not repaint every second.
        label += " " + t.t("{minutes}m", minutes=int(status.elapsed(model.clock.monotonic()) // 60))
    if model.next_state is not None:
        label += "  → " + t.t("{state} after this call", state=state_label(t, *model.next_state))
    label += view.monitored_mark
    bar.cell("state").show(f"{STATE_MARKS.get(state, '■')} {label}", STATE_CLASSES.get(state, ""))
    if not view.has_phone:
        bar.cell("sip").show(t.t("SIP off"), "-warn")
    elif view.sip_ok is None:
        bar.cell("sip").show(t.t("SIP …"), "")
    elif view.sip_ok:
        bar.cell("sip").show(t.t("SIP ok"), "-ok")
    else:
        bar.cell("sip").show(t.t("SIP down!"), "-bad")
    link = view.link
    settling = view.queued_since is not None and time.monotonic() - view.queued_since < SYNCING_SHOWN_AFTER_S
    if not link.online and link.detail.startswith(TLS_ERROR_PREFIX):
        bar.cell("link").show(t.t("TLS error, {count} queued", count=link.queued), "-bad")
    elif link.online and view.slow_lookup and (not link.queued or settling):
        bar.cell("link").show(t.t("Online, slow"), "-warn")
    elif link.online and (not link.queued or settling):
        bar.cell("link").show(t.t("Online"), "-ok")
    elif link.online:
        bar.cell("link").show(t.t("Syncing {count}", count=link.queued), "-warn")
    else:
        bar.cell("link").show(t.t("Offline, {count} queued", count=link.queued), "-bad")
    stats = model.stats
    aht, fcr = stats.aht_s, stats.fcr
    low = (aht is not None and aht > options.aht_target_s) or (fcr is not None and fcr < options.fcr_target)
    text = t.t("Calls {calls} AHT {aht} FCR {fcr}", calls=stats.calls,
               aht=duration(aht) if aht is not None else "-", fcr=f"{fcr:.0%}" if fcr is not None else "-")
    if view.satisfaction_avg is not None:
        text += " " + t.t("Sat {score}", score=f"{view.satisfaction_avg:.1f}")
    bar.cell("stats").show(text + (" !" if low else ""), "-warn" if low else "")
    now = datetime.now().astimezone()
    clock = now.strftime("%H:%M:%S") if options.clock == "seconds" else now.strftime("%H:%M")
    bar.cell("clock").show(clock if options.clock != "off" else "", "")


def paint_calls(banner: RingingBanner, t: Translator, model: DeskModel) -> None:
    """The ringing banner (the call being talked on is the call strip's: `ui.desk.call_strip`)."""
    ringing = model.ringing
    if ringing is not None:
        line = Text()
        title = t.t("Call waiting") if model.active_id else t.t("Ringing")
        line.append(f"☎ {title} ", style="bold")
        line.append_text(plain(ringing.number or t.t("unknown number"), 40))
        who = ringing.customer.name if ringing.customer else ringing.display
        if who:
            line.append("  ")
            line.append_text(plain(who, 60, style="bold"))
        if ringing.queue:
            line.append(f"  {t.t('Queue')}: ")
            line.append_text(plain(ringing.queue, 40))
        line.append(f"  {t.t('Waiting')} {duration(ringing.wait_s(model.clock.wall()))}")
        line.append(f"  [{t.t('F3 answer')}]")
        banner.show(line)
    else:
        banner.show(None)
