"""The call view the desk publishes to every call strip: the agent state, the call in focus, or the
outbound offer while no call is up (moved out of desk.py, which is at its 500-line limit)."""

from __future__ import annotations

from agent_tui.desk.model import DeskModel
from agent_tui.domain.agent import AgentStateName
from agent_tui.i18n import Translator
from agent_tui.phone.quality_watch import QualityBook
from agent_tui.ui.common.reason import REASON_LABELS
from agent_tui.ui.desk.call_quality import quality_note
from agent_tui.ui.desk.call_view import CallView, call_view
from agent_tui.ui.desk.desk_view import STATE_CLASSES, STATE_LABELS


def desk_call_view(translator: Translator, model: DeskModel, quality: QualityBook,
                   offer: CallView | None) -> CallView:
    """What the call strips show now (`offer`: the outbound offer's part, see outbound_preview)."""
    t = translator.t
    state = model.status.state
    label = t(STATE_LABELS.get(state, state.value))
    if state == AgentStateName.NOT_READY and model.status.reason:
        label += f" ({t(REASON_LABELS.get(model.status.reason, model.status.reason))})"
    active = model.active
    note = quality_note(translator, quality.of(active.call_id)) if active is not None else None
    return call_view(label, STATE_CLASSES.get(state, ""), active=active, ringing=model.ringing,
                     last_ended=model.wrapup_call(), note=note or "", offer=offer)
