"""Drafts: every change to a work order is on disk before the agent's next keystroke.

Each draft is one JSON file named by its draft id. A save writes a temporary file in the same folder,
fsyncs it, renames it over the old one and fsyncs the folder, so after a crash (of the app or the
machine) a draft is either the previous version or the new one, never a torn mix.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_tui.domain.screen import ScreenDefinition
from agent_tui.forms.runner import Clock, FormError, FormRun, local_now

SUFFIX = ".draft.json"
_TEMP_MARK = ".tmp-"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")


@dataclass
class DraftLoadResult:
    """Unfinished runs found on disk, and one message per draft that could not be restored."""

    runs: list[FormRun] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class DraftStore:
    """Unfinished work orders in `folder` (normally `paths.state_dir() / "drafts"`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._saved: dict[str, int] = {}

    def path_of(self, draft_id: str) -> Path:
        """The file of a draft. Ids that are not plain names (SIP call ids hold `@`, anything could
        hold `/`) are hashed, so no id can point outside the folder."""
        if not _SAFE_ID.fullmatch(draft_id):
            draft_id = "h-" + hashlib.sha256(draft_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]
        return self.folder / f"{draft_id}{SUFFIX}"

    def save(self, run: FormRun) -> bool:
        """Write the run's state if it changed since the last save here; True when written."""
        if self._saved.get(run.draft_id) == run.revision and self.path_of(run.draft_id).exists():
            return False
        record = {"saved_at": datetime.now(UTC).isoformat(), "run": run.to_dict()}
        payload = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
        target = self.path_of(run.draft_id)
        temp = self.folder / f"{_TEMP_MARK}{target.name}-{os.getpid()}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        self._sync_folder()
        self._saved[run.draft_id] = run.revision
        return True

    def discard(self, draft_id: str) -> None:
        """Forget a draft (after its ticket went to the outbox, or the agent abandoned it)."""
        with contextlib.suppress(FileNotFoundError):
            self.path_of(draft_id).unlink()
            self._sync_folder()
        self._saved.pop(draft_id, None)

    def files(self) -> list[Path]:
        """The draft files on disk, oldest first."""
        found: list[tuple[int, str, Path]] = []
        for path in self.folder.glob(f"*{SUFFIX}"):
            with contextlib.suppress(OSError):
                found.append((path.stat().st_mtime_ns, path.name, path))
        return [path for _, _, path in sorted(found)]

    def read(self, draft_id: str) -> dict[str, Any]:
        """The saved state of one draft, as `FormRun.to_dict` made it."""
        return _read(self.path_of(draft_id))

    def load(self, screens: Mapping[str, ScreenDefinition], *, clock: Clock = local_now) -> DraftLoadResult:
        """Restore every draft whose screen is known; others are reported and left on disk.

        Temporary files a crash left behind are removed: the rename never happened, so the draft
        they belong to still holds its previous, complete version.
        """
        for temp in self.folder.glob(f"{_TEMP_MARK}*"):
            with contextlib.suppress(OSError):
                temp.unlink()
        result = DraftLoadResult()
        for path in self.files():
            try:
                data = _read(path)
                screen = screens.get(str(data.get("screen_id")))
                if screen is None:
                    result.errors.append(f"{path}: screen {data.get('screen_id')!r} is not available")
                    continue
                run = FormRun.from_dict(screen, data, clock=clock)
            except (OSError, ValueError, FormError) as exc:
                result.errors.append(f"{path}: cannot restore draft: {exc}")
                continue
            self._saved[run.draft_id] = run.revision
            result.runs.append(run)
        return result

    def _sync_folder(self) -> None:
        """Make renames and deletions in the folder durable."""
        # The rename is durable only once the folder's entry is on disk too.
        try:
            fd = os.open(self.folder, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def _read(path: Path) -> dict[str, Any]:
    record = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(record, dict) or not isinstance(record.get("run"), dict):
        raise ValueError("not a draft record")
    run: dict[str, Any] = record["run"]
    return run
