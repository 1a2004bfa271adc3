"""The real server as a subprocess (`agent-tui server`), and an SSE client reading it on a thread."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.sip_peers import free_port
from tests.support.waiting import wait_for


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def toml_text(settings: dict[str, Any]) -> str:
    """A server config file setting `settings` (scalars and arrays at the top, tables after)."""
    lines = [f"{key} = {_toml_value(value)}" for key, value in settings.items()
             if not isinstance(value, dict)]
    for key, table in settings.items():
        if isinstance(table, dict):
            lines.append(f"[{key}]")
            lines.extend(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


@dataclass
class ServerProcess:
    """`python -m agent_tui.cli server` on a free loopback port; stopped by pid.

    `settings` go to a config file in `workdir`, given with `--config` as an operator would.
    """

    db_url: str
    workdir: Path
    workers: int = 1
    settings: dict[str, Any] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    host: str = "127.0.0.1"
    """The address it listens on (another "host"'s, in a network namespace: tests/server/hosts.py)."""
    prefix: list[str] = field(default_factory=list)
    """Words before the command (`ip netns exec NAME`, which execs it: the pid stays the server's)."""

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        self.port = self.port or free_port()
        env = dict(os.environ)
        config: list[str] = []
        if self.settings:
            path = self.workdir / f"server-{self.port}.toml"
            path.write_text(toml_text(self.settings), encoding="utf-8")
            config = ["--config", str(path)]
        log = (self.workdir / f"server-{self.port}.log").open("ab")
        self.proc = subprocess.Popen(
            [
                *self.prefix,
                sys.executable,
                "-m",
                "agent_tui.cli",
                "server",
                "--db",
                self.db_url,
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--seed",
                "demo",
                "--workers",
                str(self.workers),
                *config,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        log.close()
        wait_for(self._healthy, timeout=timeout, interval=0.1, message=f"the server on port {self.port}")

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()[-3000:]}")
        try:
            return httpx.get(f"{self.base}/v1/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def log(self) -> str:
        path = self.workdir / f"server-{self.port}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def login(self, username: str, password: str = "demo") -> dict[str, str]:
        response = httpx.post(f"{self.base}/v1/sessions", json={"username": username, "password": password})
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    def stop(self) -> None:
        """SIGTERM the server's process group (uvicorn and its workers), by the pid we started."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # workers left behind by an unclean exit
        self.proc = None


@dataclass(frozen=True)
class SseMessage:
    """One SSE message, or a comment (`comment` set, the rest empty)."""

    id: str | None = None
    event: str | None = None
    data: str = ""
    comment: str | None = None

    def json(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.data)
        return value


class SseClient:
    """Reads `GET /v1/events` on a daemon thread; messages queue up for `next()`/`until()`."""

    def __init__(self, base: str, headers: dict[str, str], last_event_id: int | None = None) -> None:
        self.messages: queue.Queue[SseMessage | Exception | None] = queue.Queue()
        self._client = httpx.Client(base_url=base, timeout=httpx.Timeout(10.0, read=None))
        extra = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
        self._headers = headers | extra
        self._stop = threading.Event()
        self.status: int | None = None
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="sse-client")
        self._thread.start()

    def _run(self) -> None:
        try:
            with self._client.stream("GET", "/v1/events", headers=self._headers) as response:
                self.status = response.status_code
                self._response = response
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        break
                    if line.startswith(":"):
                        self.messages.put(SseMessage(comment=line[1:].strip()))
                    elif line == "":
                        if "data" in fields:  # as browsers do: no data, no event
                            self.messages.put(
                                SseMessage(fields.get("id"), fields.get("event"), fields.get("data", ""))
                            )
                            fields = {}
                    else:
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
        except Exception as exc:  # closed under us, or a real failure the test will see
            if not self._stop.is_set():
                self.messages.put(exc)
        finally:
            self.messages.put(None)

    def next(self, timeout: float) -> SseMessage:
        try:
            item = self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no server-sent message within {timeout:.1f} s") from None
        if item is None or isinstance(item, Exception):
            raise AssertionError(f"event stream ended: {item!r}")
        return item

    def events(self, count: int, timeout: float) -> list[SseMessage]:
        """The next `count` events (comments skipped)."""
        deadline = _Deadline(timeout)
        out: list[SseMessage] = []
        while len(out) < count:
            message = self.next(deadline.left())
            if message.comment is None:
                out.append(message)
        return out

    def comment(self, startswith: str, timeout: float) -> SseMessage:
        """Skip to the next comment starting with `startswith`."""
        deadline = _Deadline(timeout)
        while True:
            message = self.next(deadline.left())
            if message.comment is not None and message.comment.startswith(startswith):
                return message

    def close(self) -> None:
        """Hang up: shut the socket down so the reading thread wakes at once, then close the client."""
        self._stop.set()
        response = self._response
        if response is not None:
            stream = response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._client.close()
        self._thread.join(timeout=10)


class _Deadline:
    def __init__(self, seconds: float) -> None:
        import time

        self._time = time.monotonic
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        left = self._end - self._time()
        if left <= 0:
            raise AssertionError("deadline passed waiting for server-sent events")
        return left
