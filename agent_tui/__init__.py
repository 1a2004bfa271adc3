"""agent-tui: a terminal desktop for contact-center agents."""

from __future__ import annotations

__version__ = "0.1.0"
