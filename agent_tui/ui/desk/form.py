"""The work-order form: one step of a scripted screen at a time, driven by `agent_tui.forms.FormRun`.

The script prompt the agent reads aloud is on top; each field has its validation message beside it in
the UI language; branching picks the next step from the answers; the read-back step lists what was
noted; the end step submits the order to the outbox. The draft is saved on every change.

Keys:

| key | id | action |
|---|---|---|
| ctrl+right, pagedown | form.next | next step |
| ctrl+left, pageup | form.back | previous step |
| ctrl+s | form.submit | submit the work order (end step) |
| escape | form.close | back to the desk (the draft stays; asks first once something was typed) |
| enter | form.enter | in a text field: the next field |
| ctrl+o | form.card | show or fold away the customer card |

Every key that moves the focus or the step is a priority binding (see
`agent_tui.ui.common.key_order`), so the keys typed behind it in the same read land in the field it
moved to. A step that cannot be left puts the focus on its first failing field at once.

A field entered with Tab has its text selected, as in any desktop or web form: typing replaces a
prefilled value (the agent heard a different name), while End or an arrow key keeps it for editing.

Layout: the call strip on top (the call stays in view while the agent types), the training panel in
training, then the form. At WIDE_COLUMNS or more the customer card sits beside the form; narrower,
the card folds away and ctrl+o shows it in the form's place (and back).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Select, Static, TextArea

from agent_tui.desk.calls import CallSession, is_training_call
from agent_tui.desk.drafts import caller_label, form_for_other_caller, ticket_owner
from agent_tui.domain.base import JsonScalar
from agent_tui.domain.screen import FieldDef, FieldType, StepKind
from agent_tui.forms.runner import FormError, FormRun
from agent_tui.training.desk_call import training_ticket
from agent_tui.ui.common.bindings import ENTER_MOVES_ON, localize_bindings
from agent_tui.ui.common.burst_select import BurstSelect
from agent_tui.ui.common.context import desk_app, tr
from agent_tui.ui.common.key_order import KeyGate, settle_keys
from agent_tui.ui.common.text import clean, plain
from agent_tui.ui.desk.call_strip import CallStrip, CallViewSink
from agent_tui.ui.desk.customer_card import CustomerCard
from agent_tui.ui.desk.desk_footer import DeskFooter
from agent_tui.ui.desk.desk_overlays import DeskConfirmScreen
from agent_tui.ui.desk.training_panel import TrainingPanel

if TYPE_CHECKING:
    from agent_tui.ui.desk.order_host import OrderHost

log = logging.getLogger(__name__)

YES, NO = "yes", "no"
WIDE_COLUMNS = 100
"""From this many columns on, the customer card sits beside the form."""


class FormScreen(Screen[None]):
    """The running script."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+right,pagedown", "next", "Next", id="form.next", priority=True),
        Binding("ctrl+left,pageup", "back", "Back", id="form.back", priority=True),
        Binding("ctrl+s", "submit", "Submit", id="form.submit", priority=True),
        Binding("escape", "close", "Desk", id="form.close", priority=True),
        ENTER_MOVES_ON,
        Binding("ctrl+o", "toggle_card", "Customer card", id="form.card", priority=True),
    ]
    DEFAULT_CSS = """
    FormScreen { layout: vertical; }
    FormScreen TrainingPanel { max-height: 4; }
    FormScreen #form-split { height: 1fr; layout: horizontal; }
    FormScreen #form-main { width: 1fr; height: 1fr; }
    FormScreen #form-card { display: none; width: 1fr; }
    FormScreen.-wide #form-card { display: block; width: 45%; border-left: solid $primary; }
    FormScreen.-wide.-card-folded #form-card { display: none; }
    FormScreen.-card-open #form-card { display: block; }
    FormScreen.-card-open #form-main { display: none; }
    FormScreen #form-title { text-style: bold reverse; padding: 0 1; height: 1; }
    FormScreen #form-owner { display: none; color: $warning; text-style: bold; padding: 0 1; height: auto; }
    FormScreen #form-prompt {
        padding: 0 1; text-style: italic; background: $panel; height: auto; max-height: 5;
    }
    FormScreen #form-body { height: 1fr; padding: 0 1; }
    FormScreen .field-label { margin-top: 1; text-style: bold; height: auto; }
    FormScreen .field-label.-prefilled { text-style: bold italic; }
    FormScreen .field-error { color: $field-error; text-style: bold; height: auto; }
    FormScreen .field-help { color: $foreground 70%; height: auto; }
    FormScreen TextArea { height: 4; }
    FormScreen #form-readback { height: auto; }
    FormScreen #form-status { height: 1; padding: 0 1; }
    """

    def __init__(self, run: FormRun, desk: OrderHost, session: CallSession | None) -> None:
        super().__init__()
        self.run = run
        self.desk = desk
        self.session = session
        self.t = tr(self)
        options = getattr(self.app, "options", None)
        localize_bindings(self, self.t, single_keys=bool(getattr(options, "single_key_shortcuts", True)))
        self._painting = False
        self.submitted_reference: str | None = None
        self.key_gate = KeyGate()
        """Open once the first step's fields are drawn: keys typed behind the key that opened the form
        wait for them."""
        self._focus_before_card: Widget | None = None
        """The field that had the focus when the folded card was opened (it gets it back)."""

    def compose(self) -> ComposeResult:
        yield CallStrip()
        yield TrainingPanel(id="form-training")
        with Horizontal(id="form-split"):
            with Vertical(id="form-main"):
                yield Static("", id="form-title", markup=False)
                yield Static("", id="form-owner", markup=False)
                yield Static("", id="form-prompt", markup=False)
                yield VerticalScroll(id="form-body")
                yield Static("", id="form-status", markup=False)
            yield CustomerCard(id="form-card")
        yield DeskFooter()

    def on_mount(self) -> None:
        """Draw the first step; lay out for the terminal's width; keep the card in step with the call."""
        self._lay_out(self.app.size.width)
        if isinstance(self.app, CallViewSink):
            self.watch(self.app, "call_view", lambda _view: self._call_changed(), init=False)
        self._call_changed()
        self.call_later(self.show_step)

    # ---- layout -----------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        """Side by side from WIDE_COLUMNS on; narrower, the card folds away."""
        self._lay_out(event.size.width)

    def _lay_out(self, width: int) -> None:
        wide = width >= WIDE_COLUMNS
        if wide != self.has_class("-wide"):
            self.set_class(wide, "-wide")
            self.remove_class("-card-open", "-card-folded")

    def _call_changed(self) -> None:
        self._paint_card()
        self._paint_owner()

    def _paint_owner(self) -> None:
        """Once another caller is on the line, say whose this form is: it is filed for them."""
        view = getattr(self.app, "call_view", None)
        on_line = self.desk.calls.get(view.call_id) if view is not None and view.call_id else None
        owner = self.query_one("#form-owner", Static)
        other = form_for_other_caller(self.run, on_line)
        owner.display = other
        if other:
            caller = caller_label(self.run, self.desk.calls) or self.t.t("unknown caller")
            owner.update(self.t.t("This work order is for {caller} (an earlier call), not the caller on "
                                  "the line.", caller=clean(caller, 80)))

    def _paint_card(self) -> None:
        """The card of this form's call (a lookup that ends while the form is open shows at once)."""
        self.query_one("#form-card", CustomerCard).show(self.t, self.session)

    def action_toggle_card(self) -> None:
        """Show or fold away the customer card (narrow: in the form's place, and back)."""
        if self.has_class("-wide"):
            self.toggle_class("-card-folded")
            return
        opening = not self.has_class("-card-open")
        if opening:
            self._focus_before_card = self.focused
        self.set_class(opening, "-card-open")
        if opening:
            self.set_focus(self.query_one("#form-card", CustomerCard))
        elif self._focus_before_card is not None and self._focus_before_card.is_attached:
            self.set_focus(self._focus_before_card)

    # ---- drawing ----------------------------------------------------------------------------

    async def show_step(self) -> None:
        """Rebuild the body for the current step."""
        run, t = self.run, self.t
        step = run.step
        trail = " › ".join(run.title(s) for s in run.route)
        self.query_one("#form-title", Static).update(
            f"{t.pick(run.screen.title)}: {clean(trail, 200)}")
        prompt = run.prompt(agent=self.desk.username)
        self.query_one("#form-prompt", Static).update(clean(prompt, 2000, one_line=False))
        body = self.query_one("#form-body", VerticalScroll)
        await body.remove_children()
        widgets: list[Widget] = []
        self._painting = True
        if step.kind == StepKind.READBACK:
            rows = run.readback(t.t)
            parts: list[str | tuple[str, str]] = []
            for label, value in rows:
                parts.extend([(f"{clean(label, 80)}: ", "bold"), clean(value, 2000), "\n"])
            widgets.append(Static(Content.assemble(*parts), id="form-readback"))
            widgets.append(Static(t.t("Read this back to the caller, then ctrl+right."),
                                  classes="field-help", markup=False))
        elif step.kind == StepKind.END:
            if run.files_ticket:
                widgets.append(Static(t.t("Press ctrl+s to submit the work order."), id="form-end",
                                      markup=False))
            else:
                widgets.append(Static(t.t("No work order is needed. Escape returns to the desk."),
                                      id="form-end", markup=False))
        for field_def in step.fields:
            widgets.extend(self._field_widgets(field_def))
        await body.mount_all(widgets)
        for area in body.query(TextArea):
            area.move_cursor(area.document.end)  # typing into kept notes adds to them
        body.scroll_home(animate=False)  # a step starts at its top, not where the last one was scrolled to
        self._painting = False
        self._status("")
        first = next((w for w in body.query("Input, Select, TextArea") if isinstance(w, Widget)), None)
        if first is not None:
            self.set_focus(first)  # at once: focus() waits behind keys already typed
        self.key_gate.open()
        self._save()
        self.desk.form_changed(run, self.session)

    def _field_widgets(self, field_def: FieldDef) -> list[Widget]:
        run, t = self.run, self.t
        label = run.label(field_def) + (" *" if field_def.required else "")
        label_widget = Static(label, classes="field-label", markup=False)
        label_widget.set_class(field_def.id in run.prefilled, "-prefilled")
        control: Widget
        text = run.text(field_def.id)
        wid = f"field-{field_def.id}"
        if field_def.type == FieldType.CHOICE:
            # Labels are the backend's data, never markup (`[/]` in one stopped the desk); rich Text, not
            # Content, because the list's type-to-search reads only str and Text.
            options = [(plain(t.pick(c.label), 120), c.value) for c in field_def.choices]
            value = run.value(field_def.id)
            control = BurstSelect(options, prompt=t.t("Choose…"), id=wid,
                             value=value if isinstance(value, str) else Select.NULL)
        elif field_def.type == FieldType.BOOLEAN:
            value = run.value(field_def.id)
            current = Select.NULL if value is None else (YES if value else NO)
            control = BurstSelect([(t.t("Yes"), YES), (t.t("No"), NO)], prompt=t.t("Choose…"), id=wid,
                             value=current)
        elif field_def.type == FieldType.MULTILINE:
            control = TextArea(text, id=wid)
        else:
            control = Input(text, id=wid, max_length=field_def.max_length)
        widgets: list[Widget] = [label_widget, control]
        if field_def.help:
            widgets.append(Static(clean(t.pick(field_def.help), 300), classes="field-help", markup=False))
        error = run.error(field_def.id)
        widgets.append(Static(error.render(t.t) if error else "", id=f"error-{field_def.id}",
                              classes="field-error", markup=False))
        return widgets

    def _status(self, text: str) -> None:
        self.query_one("#form-status", Static).update(text)

    # ---- editing ----------------------------------------------------------------------------

    def _field_of(self, widget_id: str | None) -> FieldDef | None:
        if not widget_id or not widget_id.startswith("field-"):
            return None
        try:
            return self.run.field(widget_id.removeprefix("field-"))
        except KeyError:
            return None

    def _set(self, field_def: FieldDef, raw: JsonScalar) -> None:
        if self._painting:
            return
        try:
            message = self.run.set(field_def.id, raw)
        except FormError as error:
            self._status(error.message.render(self.t.t))
            return
        for shown in self.query(f"#error-{field_def.id}"):  # gone when a late change outlived its step
            if isinstance(shown, Static):
                shown.update(message.render(self.t.t) if message else "")
        self._save()
        self.desk.form_changed(self.run, self.session)

    def on_input_changed(self, event: Input.Changed) -> None:
        """Every keystroke: validate and save the draft."""
        field_def = self._field_of(event.input.id)
        if field_def is not None:
            self._set(field_def, event.value)

    def action_enter_field(self) -> None:
        """Enter in a one-line field moves to the next field; elsewhere (lists, notes) it is theirs."""
        if not isinstance(self.focused, Input):
            raise SkipAction()
        self.focus_next()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Multiline fields."""
        field_def = self._field_of(event.text_area.id)
        if field_def is not None:
            self._set(field_def, event.text_area.text)

    def on_select_changed(self, event: Select.Changed) -> None:
        """Choices and yes/no."""
        field_def = self._field_of(event.select.id)
        if field_def is None:
            return
        value = event.value
        if value is Select.NULL:
            self._set(field_def, None)
        elif field_def.type == FieldType.BOOLEAN:
            self._set(field_def, value == YES)
        else:
            self._set(field_def, str(value))

    def _save(self) -> None:
        drafts = self.desk.drafts
        if drafts is None:
            return
        try:
            drafts.save(self.run)
        except OSError as error:
            desk_app(self).report_error(error, "saving the draft")

    # ---- moving -----------------------------------------------------------------------------

    async def action_next(self) -> None:
        """Next step (validation errors show beside their fields)."""
        await settle_keys(self)  # the answers hold every key typed before this one
        try:
            self.run.next()
        except FormError as error:
            for field_id, message in error.errors.items():
                for widget in self.query(f"#error-{field_id}"):
                    if isinstance(widget, Static):
                        widget.update(message.render(self.t.t))
            self._status(error.message.render(self.t.t))
            self._focus_first_failing(error.errors)
            return
        await self.show_step()

    def _focus_first_failing(self, failing: Mapping[str, object]) -> None:
        """The focus on the step's first field that stops it, now: the next keys fill that field."""
        for field_def in self.run.step.fields:
            if field_def.id not in failing:
                continue
            for widget in self.query(f"#field-{field_def.id}"):
                self.set_focus(widget)
                if isinstance(widget, Input):
                    widget.select_all()
                return

    async def action_back(self) -> None:
        """Previous step."""
        await settle_keys(self)
        try:
            self.run.back()
        except FormError as error:
            self._status(error.message.render(self.t.t))
            return
        await self.show_step()

    async def action_submit(self) -> None:
        """Queue the work order in the outbox and return to the desk."""
        await settle_keys(self)
        run = self.run
        if not run.complete:
            self._status(self.t.t("Finish the steps first (ctrl+right)."))
            return
        if not run.files_ticket:
            self._close()
            return
        owner = ticket_owner(run, self.session)  # a draft is filed for its own customer and call
        try:
            ticket = run.to_ticket(customer_id=owner.customer_id, call_id=owner.call_id, translate=self.t.t)
        except FormError as error:
            self._status(error.message.render(self.t.t))
            return
        if is_training_call(self.session):
            ticket = training_ticket(ticket)
        reference = self.desk.submit_ticket(ticket, self.session)
        if reference is None:
            return
        self.submitted_reference = reference
        drafts = self.desk.drafts
        if drafts is not None:
            drafts.discard(run.draft_id)
        self._close()

    async def action_close(self) -> None:
        """Back to the desk; an unfinished draft stays saved. Asks first once the agent did something
        here, so a stray Escape (one meant for a list that had already closed) loses no place."""
        if _in_open_list(self.focused):
            raise SkipAction()  # Escape closes the open list of a choice field
        await settle_keys(self)
        run, t = self.run, self.t.t
        if run.complete and not run.files_ticket:
            self._close()
            return
        if run.complete and self.submitted_reference is None:
            question = t("Not submitted yet. Leave the work order without sending it? It stays as a draft "
                         "(F9 resumes it).")
        elif run.revision > 0:
            question = t("Leave this work order? What you typed stays as a draft (F9 resumes it).")
        else:
            self._close()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self._close()

        self.app.push_screen(DeskConfirmScreen(question, yes=t("Leave (y)"), no=t("Stay (n)")), answered)

    def _close(self) -> None:
        self.app.pop_screen()


def _in_open_list(node: DOMNode | None) -> bool:
    """Whether `node` is (inside) a choice field whose list is open."""
    while node is not None:
        if isinstance(node, Select) and node.expanded:
            return True
        node = node.parent
    return False
