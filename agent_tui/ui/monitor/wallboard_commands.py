"""The wallboard's commands to the selected agent's desk: force Ready / Not Ready, release, transfer,
pick up, coach. Each is sent through `Interventions` and its outcome (applied, refused with why, or not
delivered) is said to the supervisor in the desk's own words, shown as text.

A mixin of `WallboardScreen` (wallboard.py), kept apart so the screen stays readable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from agent_tui.domain.supervision import AgentRow, InterventionKind
from agent_tui.ui.common.reason import ReasonScreen, force_reasons
from agent_tui.ui.common.text import clean
from agent_tui.ui.monitor.interventions import outcome_message
from agent_tui.ui.monitor.prompts import TextPrompt

if TYPE_CHECKING:
    from textual.app import App

    from agent_tui.i18n import Translator
    from agent_tui.ui.monitor.interventions import Interventions

FALLBACK_REASONS = ["break", "meal", "meeting", "training", "coaching", "other"]
"""Not Ready reasons offered when the backend's list cannot be read."""


class WallboardCommands:
    """The wallboard screen's commands to an agent (mixed into WallboardScreen)."""

    if TYPE_CHECKING:
        app: App[Any]
        translator: Translator
        interventions: Interventions

        def _need_agent(self) -> AgentRow | None: ...
        def _run(self, work: Callable[[], Awaitable[Any]], what: str) -> None: ...

    def _command(self, kind: InterventionKind, row: AgentRow, **fields: str | None) -> None:
        t = self.translator.t

        async def work() -> None:
            result = await self.interventions.command(kind, row.username, **fields)
            self.app.notify(t("Sent to {agent}: {what}", agent=clean(row.username, 40),
                              what=t(kind.value.replace("_", " ").capitalize())), markup=False)
            message, severity = outcome_message(await self.interventions.outcome(result), row.username,
                                                kind, t)
            self.app.notify(message, severity=severity, timeout=10, markup=False)  # the desk's words: data

        self._run(work, "sending an intervention")

    def action_force_ready(self) -> None:
        """Force the selected agent Ready."""
        row = self._need_agent()
        if row is not None:
            self._command(InterventionKind.FORCE_READY, row)

    def action_force_not_ready(self) -> None:
        """Force the selected agent Not Ready, with a reason."""
        row = self._need_agent()
        if row is None:
            return

        async def work() -> None:
            try:
                reasons = force_reasons(await self.interventions.api.list_reasons())
            except Exception:
                reasons = FALLBACK_REASONS

            def chosen(reason: str | None) -> None:
                if reason:
                    self._command(InterventionKind.FORCE_NOT_READY, row, reason=reason)

            self.app.push_screen(ReasonScreen(reasons or FALLBACK_REASONS, agent=row.username), chosen)

        self._run(work, "loading the reasons")

    def action_release(self) -> None:
        """Force release the selected agent's call."""
        row = self._need_agent()
        if row is not None:
            self._command(InterventionKind.FORCE_RELEASE, row, call_id=row.call_id)

    def action_transfer(self) -> None:
        """Force transfer the selected agent's call to a target."""
        row = self._need_agent()
        if row is None:
            return
        t = self.translator.t

        def chosen(target: str | None) -> None:
            if target:
                self._command(InterventionKind.FORCE_TRANSFER, row, target=target, call_id=row.call_id)

        self.app.push_screen(TextPrompt(t("Transfer {agent}'s call to", agent=clean(row.username, 40)),
                                        t("Extension or number"), max_length=64), chosen)

    def action_pickup(self) -> None:
        """Pick up the selected agent's ringing call."""
        row = self._need_agent()
        if row is not None:
            self._command(InterventionKind.PICKUP, row, call_id=row.call_id)

    def action_coach(self) -> None:
        """Send a silent coaching note to the selected agent's desk."""
        row = self._need_agent()
        if row is None:
            return
        t = self.translator.t

        def chosen(text: str | None) -> None:
            if text:
                self._command(InterventionKind.COACH, row, text=text)

        self.app.push_screen(TextPrompt(t("Coaching note to {agent}", agent=clean(row.username, 40)),
                                        t("Only the agent sees it")), chosen)
