"""The agent desk without a UI: the contact book, the agent state machine, screen-pop lookups, wrap-up
and after-call work, drafts bound to their call. Events in (`DeskModel.apply`), state and effects out;
the Textual desk renders it."""
