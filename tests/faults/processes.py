"""Python helper processes of the fault tests: started in their own process group, read as JSON lines,
SIGKILLed or stopped by pgid, and checked to be gone."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.support.sip_peers import group_members, kill_group, stop_group
from tests.support.waiting import JsonLineReader, JsonObject

ROOT = Path(__file__).resolve().parent.parent.parent


class JsonProcess:
    """`python -m MODULE ARGS` printing JSON lines; ended by its process group only."""

    def __init__(self, module: str, args: Sequence[str], env: Mapping[str, str] | None = None,
                 stderr_path: Path | None = None) -> None:
        self.argv = [sys.executable, "-m", module, *args]
        self.stderr_path = stderr_path
        err: Any = stderr_path.open("ab") if stderr_path is not None else subprocess.DEVNULL
        try:
            self.proc: subprocess.Popen[str] = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, text=True,
                env=dict(env if env is not None else os.environ), cwd=ROOT, start_new_session=True,
            )
        finally:
            if stderr_path is not None:
                err.close()
        self.pgid = self.proc.pid
        self.reader = JsonLineReader.of(self.proc, module.rsplit(".", 1)[-1])

    def __repr__(self) -> str:
        return f"JsonProcess({self.argv[2]}, pid={self.proc.pid})"

    def until(self, event: str, timeout: float, **match: Any) -> JsonObject:
        """Wait for the line `{"event": event, **match}`; the object."""
        def wanted(obj: JsonObject) -> bool:
            return obj.get("event") == event and all(obj.get(k) == v for k, v in match.items())

        try:
            return self.reader.until(wanted, timeout)[-1]
        except AssertionError as error:
            raise AssertionError(f"{error}\nstderr:\n{self.stderr_text()[-3000:]}") from None

    def stderr_text(self) -> str:
        """What the process wrote to stderr so far."""
        if self.stderr_path is None:
            return ""
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def kill(self) -> None:
        """SIGKILL the group (a crash) and wait until it is gone."""
        kill_group(self.proc, self.pgid)

    def stop(self) -> None:
        """SIGTERM the group (SIGKILL after a grace) and wait until it is gone."""
        stop_group(self.proc, self.pgid)

    def wait(self, timeout: float) -> int:
        """Wait for the process to exit by itself; its exit code."""
        return self.proc.wait(timeout)

    def leftover_pids(self) -> list[int]:
        """Processes of its group still alive."""
        return group_members(self.pgid)
