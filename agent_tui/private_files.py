"""Files the desk writes are the user's alone: 0600 in 0700 folders.

They hold customer data (the outbox, drafts, exports, recordings), what the agent did (logs), or
secrets (the credential file); another account on a shared machine must not read them. The mode is
set on the open descriptor, so neither the umask nor an older file made 0644 decides it. A folder is
made 0700 when missing; a folder the user chose that exists already keeps its mode.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(folder: Path) -> Path:
    """`folder`, made 0700 when missing; answers it."""
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    return folder


def open_private(path: Path, mode: str = "a", **kwargs: Any) -> IO[Any]:
    """`open(path, mode)` (`a`, `w`, `ab` or `wb`) for a file that is, and stays, 0600."""
    if mode.rstrip("b") not in ("a", "w"):
        raise ValueError(f"open_private writes only: mode {mode!r}")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("a") else os.O_TRUNC)
    descriptor = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
        return os.fdopen(descriptor, mode, **kwargs)
    except BaseException:
        os.close(descriptor)
        raise


def write_private(path: Path, data: str | bytes) -> None:
    """Write `data` (text as UTF-8) to `path`, 0600."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with open_private(path, "wb") as out:
        out.write(payload)


def make_private(path: Path) -> None:
    """Tighten a file some library wrote (the credential file) to 0600, when it exists."""
    if path.is_file():
        os.chmod(path, FILE_MODE)
