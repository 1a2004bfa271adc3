"""`agent-tui bot --backend URL --user NAME`: a ghost agent, headless, one JSON object per line.

It logs in (password from `$AGENT_TUI_PASSWORD`), reads `GET /v1/phone-config` for the key that
verifies supervisors' monitor tokens, starts the phone engine with the bot's arguments (its SIP
account is `--account`, or its extension at the first `--registrar`), and then runs `GhostAgent`:
state changes with the call fields, call records, supervisor commands with their acks. The bot's
own call driving (`--answer-after`, `--hangup-after`, `--tone`, `--record`...) and JSON lines stay
as `agent-tui bot` has them; the ghost adds `logged_in`, `state`, `command`, `ack`, `coach`,
`monitored`, `unmonitored` and `write_failed` lines. SIGTERM/SIGINT log the agent out and stop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import signal
import sys
from typing import IO, Any
from urllib.parse import quote

from pydantic import SecretStr, ValidationError

from agent_tui.domain.agent import AgentStateChange
from agent_tui.domain.call import CallRecord
from agent_tui.domain.events import Event
from agent_tui.domain.supervision import CommandAck, PhoneConfig
from agent_tui.ghost.agent import GhostAgent
from agent_tui.phone.bot import PASSWORD_ENV as SIP_PASSWORD_ENV
from agent_tui.phone.bot import Bot, bot_options
from agent_tui.phone.engine import PhoneEngine, PhoneEngineError
from agent_tui.phone.options import AccountOptions, EngineOptions
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendUnavailable, SyncError
from agent_tui.sync.events import EventStream
from agent_tui.sync.text import clean_text

PASSWORD_ENV = "AGENT_TUI_PASSWORD"  # noqa: S105 - the name of the variable
"""The backend password of the ghost's user (never argv, never config)."""

WRITE_ATTEMPTS = 6
LOGOUT_FLUSH_S = 3.0


class QueuedWrites:
    """`GhostWrites` delivered in order by one task; a dead backend is retried with backoff."""

    def __init__(self, client: BackendClient, username: str, emit: Any) -> None:
        self._client = client
        self._path_user = quote(username, safe="")
        self._emit = emit
        self._queue: asyncio.Queue[tuple[str, str, str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def _put(self, what: str, method: str, path: str, body: Any) -> None:
        self._queue.put_nowait((what, method, path, body))

    def set_state(self, change: AgentStateChange) -> None:
        """Queue the state change."""
        self._put("state", "PUT", f"/v1/agents/{self._path_user}/state", change.model_dump(mode="json"))

    def record_call(self, record: CallRecord) -> None:
        """Queue the call record (posting the same call again updates it)."""
        self._put("call", "POST", "/v1/calls", record.model_dump(mode="json"))

    def ack(self, command_id: int, ack: CommandAck) -> None:
        """Queue the command's acknowledgement."""
        self._put("ack", "POST", f"/v1/commands/{int(command_id)}/ack", ack.model_dump(mode="json"))

    def start(self) -> None:
        """Start delivering (on the running loop)."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            what, method, path, body = await self._queue.get()
            try:
                await self._deliver(what, method, path, body)
            finally:
                self._queue.task_done()

    async def _deliver(self, what: str, method: str, path: str, body: Any) -> None:
        for attempt in range(WRITE_ATTEMPTS):
            try:
                await self._client.write_json(method, path, body)
                return
            except BackendUnavailable as error:
                if attempt + 1 == WRITE_ATTEMPTS:
                    self._emit("write_failed", what=what, path=path, error=clean_text(str(error))[:200])
                    return
                await asyncio.sleep(min(0.2 * 2**attempt, 3.0))
            except SyncError as error:  # refused: retrying would not help
                self._emit("write_failed", what=what, path=path, error=clean_text(str(error))[:200])
                return

    async def flush(self, limit_s: float) -> None:
        """Wait (at most `limit_s`) until everything queued has been delivered or given up."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), limit_s)

    async def stop(self) -> None:
        """Stop the delivering task."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def registrar_host(uri: str) -> str:
    """The host of a registrar URI such as `sip:10.0.0.5:5060;transport=tcp`."""
    rest = uri.split(":", 1)[1] if ":" in uri else uri
    rest = rest.split(";", 1)[0].rsplit("@", 1)[-1]
    if rest.startswith("["):
        return rest[: rest.index("]") + 1]
    return rest.split(":", 1)[0]


def ghost_options(args: argparse.Namespace, config: PhoneConfig) -> EngineOptions:
    """The bot's engine options, with the monitor key and (without --account) the user's extension."""
    options = bot_options(args)
    accounts = options.accounts
    registrars = tuple(getattr(args, "registrar", None) or ())
    if not accounts and registrars and config.extension:
        password = os.environ.get(SIP_PASSWORD_ENV)
        accounts = (AccountOptions(
            user=config.extension, domain=registrar_host(registrars[0]), registrars=registrars,
            transport=args.transport, password=SecretStr(password) if password else None, expires_s=60,
            health_interval_s=2.0,
        ),)
    return dataclasses.replace(options, accounts=accounts, monitor_key=SecretStr(config.monitor_key))


async def _login(args: argparse.Namespace, client: BackendClient) -> PhoneConfig:
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        raise SyncError(f"set ${PASSWORD_ENV} to the password of {args.user}")
    await client.login(args.user, SecretStr(password))
    try:
        return PhoneConfig.model_validate(await client.get_json("/v1/phone-config"))
    except ValidationError as error:
        problems = error.error_count()
        raise SyncError(f"phone-config does not fit the contract ({problems} errors)") from error


async def _pump_stream(stream: EventStream, inbox: asyncio.Queue[object]) -> None:
    with contextlib.suppress(SyncError):  # a rejected stream ends the commands, not the ghost's calls
        async for event in stream:
            inbox.put_nowait(event)


async def run_ghost(args: argparse.Namespace, out: IO[str]) -> int:
    """Run one ghost agent until a signal (or `--calls` are done); the exit code."""
    client = BackendClient(args.backend)
    try:
        try:
            config = await _login(args, client)
            options = ghost_options(args, config)
        except Exception as error:
            print(f"agent-tui bot: {clean_text(str(error))[:300]}", file=sys.stderr)
            return 2 if not isinstance(error, BackendUnavailable) else 1
        return await _serve(args, out, client, config, options)
    finally:
        await client.aclose()


async def _serve(args: argparse.Namespace, out: IO[str], client: BackendClient, config: PhoneConfig,
                 options: EngineOptions) -> int:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[object] = asyncio.Queue()
    stopping = object()

    def from_engine(event: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody listens any more
            loop.call_soon_threadsafe(inbox.put_nowait, event)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, inbox.put_nowait, stopping)
    engine = PhoneEngine(options, from_engine)
    bot = Bot(engine, args, out)
    writes = QueuedWrites(client, args.user, bot.emit)
    ghost = GhostAgent(args.user, engine, writes, bot.emit, registrar=bool(options.accounts))
    writes.start()
    ghost.start()
    bot.emit("logged_in", user=args.user, extension=config.extension, show_monitored=config.show_monitored)
    stream = EventStream(client)
    stream_task = loop.create_task(_pump_stream(stream, inbox))
    try:
        try:
            await asyncio.to_thread(engine.start)
        except PhoneEngineError as error:
            print(f"agent-tui bot: {error}", file=sys.stderr)
            return 1
        while not bot.done:
            due = bot.run_due()
            try:
                item = await asyncio.wait_for(inbox.get(), min(due, 0.2) if due is not None else 0.2)
            except TimeoutError:
                item = None
            if item is stopping:
                break
            if isinstance(item, Event):
                ghost.live_event(item)
            elif item is not None:
                bot.handle(item)  # type: ignore[arg-type]
                ghost.phone_event(item)
            ghost.tick()
    finally:
        stream.close()
        stream_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await stream_task
        with contextlib.suppress(Exception):
            await asyncio.to_thread(engine.stop)
        while not inbox.empty():
            leftover = inbox.get_nowait()
            if leftover is not stopping and not isinstance(leftover, Event) and leftover is not None:
                bot.handle(leftover)  # type: ignore[arg-type]
                ghost.phone_event(leftover)
        ghost.log_out()
        await writes.flush(LOGOUT_FLUSH_S)
        await writes.stop()
        # Exiting cleanly anyway: a late SIGTERM must not turn exit 0 into -15 during shutdown.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    return 0


def run(args: argparse.Namespace) -> int:
    """`agent-tui bot --backend URL --user NAME [bot arguments]`."""
    if not args.user:
        print("agent-tui bot: --backend needs --user", file=sys.stderr)
        return 2
    return asyncio.run(run_ghost(args, sys.stdout))
