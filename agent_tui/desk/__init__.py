"""The agent desk without a UI: the contact book, the agent state machine, screen-pop lookups, wrap-up
and after-call work, drafts bound to their call. Events in (`DeskModel.apply`), state and effects out;
the Textual desk renders it.

A command applier (supervisor commands) calls the intents and carries out the effects they return:
`DeskModel.force_state(state, reason)` / `force_ready()` (now when idle, else after the current call and
its wrap-up), `set_not_ready(reason)`, `set_ready()`, `hang_up()`, `reject()`, `answer()`,
`toggle_hold()`; `next_state` says what is waiting for the end of the call.
"""
