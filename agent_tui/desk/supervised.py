"""A supervisor's commands on a desk model: where the agent stands for `decide`, and forced states.

One copy for every agent program that runs a `DeskModel`: the desk screen
(`ui/desk/supervisor_commands.py`) and the ghost agents (`agent_tui.ghost`, `agent-tui bot --backend`).
`decide` (supervisor.py) says whether a command applies; a state it forces goes into the model's own
"after this call" slot when a call is up or waits for its wrap-up, so the model's rules (wrap-up first,
phone offline, no Ready with a wrap-up unsaved) apply to it as to the agent's own choice.

Commands name calls as the backend knows them (`CallSession.backend_id`); the phone by its own ids.
"""

from __future__ import annotations

from collections.abc import Iterable

from agent_tui.desk.calls import CallPhase, CallSession
from agent_tui.desk.effects import Effect
from agent_tui.desk.model import DeskModel
from agent_tui.desk.supervisor import CallView, SetState, SetStateAfterCall, Situation


def situation(model: DeskModel, *, phone_online: bool | None, has_phone: bool = True,
              busy: Iterable[str] = ()) -> Situation:
    """Where the agent of `model` stands; `busy`: phone call ids with a call command under way."""
    calls = tuple(CallView(c.backend_id, c.answered, c.phase is CallPhase.ENDED)
                  for c in model.calls.values())
    current = model.active or model.ringing
    return Situation(state=model.status.state, has_phone=has_phone,
                     phone_online=phone_online if has_phone else None, calls=calls,
                     current=current.backend_id if current is not None else None,
                     busy=frozenset(model.calls[c].backend_id for c in busy if c in model.calls))


def force(model: DeskModel, intent: SetState | SetStateAfterCall) -> list[Effect]:
    """Take the state a supervisor forced: now when idle, else after the call and its wrap-up.

    A state forced now drops the agent's own pending one (the supervisor decided); one forced during a
    call replaces it."""
    if isinstance(intent, SetStateAfterCall) and (model.live_calls() or model.unsaved()):
        model.next_state = (intent.state, intent.reason)
        model.next_by_supervisor = True
        return []
    model.next_state = None
    return model.force_state(intent.state, intent.reason)


def by_backend_id(model: DeskModel, backend_id: str) -> CallSession | None:
    """The call the backend names `backend_id`."""
    return next((c for c in model.calls.values() if c.backend_id == backend_id), None)
