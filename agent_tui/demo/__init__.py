"""`agent-tui demo`: the product on its built-in defaults, on one machine, with demo data."""

from __future__ import annotations

from agent_tui.demo.run import run

__all__ = ["run"]
