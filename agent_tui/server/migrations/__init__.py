"""Alembic migrations of the reference backend, run by `agent_tui.server.migrate` at start-up."""
