"""`agent-tui config check FILE` and `agent-tui config path`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agent_tui import paths
from agent_tui.config import ConfigError, load_config

EXIT_OK = 0
EXIT_INVALID = 2
"""Exit status of `config check` for an invalid (or unreadable) file."""


def run(args: argparse.Namespace) -> int:
    """Run one `config` action; returns the exit status."""
    command: str = args.config_command
    if command == "path":
        print(paths.default_config_file())
        return EXIT_OK
    if command == "check":
        return check(args.file)
    print(f"agent-tui config: unknown action {command!r}", file=sys.stderr)
    return EXIT_INVALID


def check(file: Path) -> int:
    """Validate `file` (with the environment's overrides); print `FILE: ok` or one line per problem."""
    try:
        load_config(file)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    print(f"{file}: ok")
    return EXIT_OK
