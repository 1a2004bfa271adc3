"""Work-order subjects in the reader's language.

A ticket's stored `subject` is written in the language of the agent who filed it ("Fault report ·
No power"). A Chinese desk showing that order makes the subject again from the order's data, its
screen and its answers, with the one subject rule (`agent_tui.forms.runner.subject_text`): 故障报修 ·
无电. Where that is not possible (the screen is unknown here, the order was filed with another
version of it, or carries no answers) the stored text is shown as it came.
"""

from __future__ import annotations

from collections.abc import Iterable

from agent_tui.domain.base import JsonScalar
from agent_tui.domain.screen import FieldDef, ScreenDefinition
from agent_tui.domain.ticket import TicketCreate
from agent_tui.forms.runner import FormRun, subject_text
from agent_tui.i18n import Translator
from agent_tui.ui.common.text import clean

SUBJECT_CELLS = 120
"""Longest subject shown on a card line (characters)."""


class TicketSubjects:
    """Makes subjects of work orders from their screens, in one language."""

    def __init__(self, screens: Iterable[ScreenDefinition], translator: Translator) -> None:
        self.screens = {screen.id: screen for screen in screens}
        """Screen id → the screen as this desk has it."""
        self.translator = translator

    def subject(self, ticket: TicketCreate) -> str:
        """`ticket`'s subject in this desk's language, or its stored subject when it cannot be made."""
        screen = self.screens.get(ticket.screen_id or "")
        stored = clean(ticket.subject, SUBJECT_CELLS)
        if screen is None or not ticket.fields or (
                ticket.screen_version is not None and ticket.screen_version != screen.version):
            return stored
        run = FormRun(screen, language=self.translator.language, translate=self.translator.t)
        answered: list[tuple[FieldDef, JsonScalar]] = []
        seen: set[str] = set()
        for step in screen.steps:
            for field_def in step.fields:
                value = ticket.fields.get(field_def.id)
                if field_def.id not in seen and value is not None:
                    seen.add(field_def.id)
                    answered.append((field_def, value))
        made = subject_text(screen, self.translator.language, answered, run.display)
        # The answers are data from outside: cleaned like the stored text would have been.
        return clean(made, SUBJECT_CELLS) or stored
