"""`agent-tui credentials reset`: delete the encrypted credential file so the next login starts over.

The way out when the file's passphrase is lost (or was mistyped when the file was created): the file
cannot be opened without it, so the only repair is to delete it. What it held (remembered SIP
passwords) is lost; the backend password was never in it. Secrets in the OS keyring are not touched.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from agent_tui.credentials import default_file

EXIT_OK = 0
EXIT_REFUSED = 2
"""Exit status when nothing was deleted because the reset was not confirmed."""
CONFIRM_WORD = "reset"
"""What the user types to confirm (a y/n answer is too easy to give by reflex)."""


def run(args: argparse.Namespace) -> int:
    """Run one `credentials` action; returns the exit status."""
    return reset(default_file(), yes=bool(args.yes), answers=sys.stdin, out=sys.stdout,
                 interactive=sys.stdin.isatty())


def reset(path: Path | None, *, yes: bool, answers: TextIO, out: TextIO, interactive: bool) -> int:
    """Warn, ask on `answers` (unless `yes`; refused when not `interactive`), delete `path`. A missing
    file is not an error."""
    if path is None or not path.exists():
        print(f"No encrypted credential file{f' at {path}' if path else ''}: nothing to reset.", file=out)
        return EXIT_OK
    print(f"WARNING: this deletes the encrypted credential file {path}.\n"
          "The SIP passwords remembered in it are lost and must be typed again; the next login asks\n"
          "for a new passphrase (twice). Secrets in the OS keyring are not touched.", file=out)
    if not yes:
        if not interactive:
            print("Not a terminal: run 'agent-tui credentials reset --yes' to delete it.", file=out)
            return EXIT_REFUSED
        print(f"Type '{CONFIRM_WORD}' to delete it: ", end="", file=out, flush=True)
        if answers.readline().strip() != CONFIRM_WORD:
            print("Nothing deleted.", file=out)
            return EXIT_REFUSED
    path.unlink()
    print(f"Deleted {path}. The next login creates a new credential file.", file=out)
    return EXIT_OK
