"""Starting the desk for real: settings, credentials, backend client, outbox, live events, softphone.

`run(args)` serves `agent-tui desk|monitor|train`; `run_desk(settings, username, password, listen)` is
the entry point `agent_tui.demo` uses. The adapters here fit the real services to the Protocols of
`agent_tui.ui.desk.services`; the App never sees anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import importlib.util
import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

from pydantic import SecretStr

from agent_tui.config import ConfigError, Settings, load_config
from agent_tui.domain.agent import AgentStateChange
from agent_tui.domain.call import CallRecord
from agent_tui.domain.screen import ScreenDefinition
from agent_tui.domain.supervision import CallbackDone
from agent_tui.domain.ticket import TicketCreate
from agent_tui.forms.drafts import DraftStore
from agent_tui.forms.loader import bundled_screens_dir, load_screens
from agent_tui.paths import state_dir
from agent_tui.sync.client import BackendClient, Timeouts
from agent_tui.sync.errors import BackendRejected
from agent_tui.sync.events import EventStream
from agent_tui.sync.outbox import Delivery, LinkState, Outbox, OutboxStatus
from agent_tui.ui.desk.options import DeskOptions
from agent_tui.ui.desk.services import (
    CallbackTaken,
    DeskServices,
    LinkListener,
    LinkStatus,
    PendingCallback,
    PhoneListener,
)
from agent_tui.ui.desk.supervisor_commands import BackendSupervision
from agent_tui.ui.train.launch import desk_training, run_console

if TYPE_CHECKING:
    from agent_tui.credentials import CredentialStore

log = logging.getLogger(__name__)

GC_FALLBACK_S = 30.0
"""The garbage collector, paused for start-up, runs again at login, or after this long at the latest."""

PASSWORD_ENV = "AGENT_TUI_PASSWORD"  # noqa: S105 - the name of the variable


def _model_json(model: Any) -> Any:
    return model.model_dump(mode="json", exclude_none=False)


class OutboxWrites:
    """`DeskWrites` over the durable `Outbox`: each write is journalled (fsynced) before it returns."""

    def __init__(self, client: BackendClient) -> None:
        self._listener: LinkListener | None = None
        self.outbox = Outbox(client, on_status=self._status, on_delivered=self._delivered)

    def _status(self, status: OutboxStatus) -> None:
        if self._listener is not None:
            self._listener(LinkStatus(online=status.link in (LinkState.ONLINE, LinkState.UNKNOWN),
                                      queued=status.queued, dead_letters=status.dead,
                                      detail=status.last_error or ""))

    def _delivered(self, delivery: Delivery) -> None:
        if self._listener is not None:
            status = self.outbox.status()
            self._listener(LinkStatus(online=True, queued=status.queued, dead_letters=status.dead,
                                      delivered=delivery.item.idempotency_key))

    def submit_ticket(self, ticket: TicketCreate) -> str:
        """Queue `POST /v1/tickets`."""
        return self.outbox.enqueue_sync("POST", "/v1/tickets", _model_json(ticket), "ticket").idempotency_key

    def record_call(self, record: CallRecord) -> str:
        """Queue `POST /v1/calls` (the same call id posted again updates the record)."""
        return self.outbox.enqueue_sync("POST", "/v1/calls", _model_json(record), "call").idempotency_key

    def set_state(self, username: str, change: AgentStateChange) -> str:
        """Queue `PUT /v1/agents/{username}/state`."""
        return self.outbox.enqueue_sync("PUT", f"/v1/agents/{username}/state", _model_json(change),
                                        "agent_state").idempotency_key

    def upload_recording(self, call_id: str, path: Path, *, training: bool = False) -> str:
        """Queue `PUT /v1/recordings/{call_id}` with the WAV at `path` streamed as the body when sent."""
        target = f"/v1/recordings/{quote(call_id, safe='')}" + ("?training=true" if training else "")
        return self.outbox.enqueue_file_sync("PUT", target, path, "audio/wav", "recording").idempotency_key

    def close_callback(self, callback_id: str, *, reached: bool = True, note: str = "") -> str:
        """Queue `POST /v1/callbacks/{id}/done` (closing it again is harmless)."""
        body = _model_json(CallbackDone(reached=reached, note=note[:200]))
        return self.outbox.enqueue_sync("POST", f"/v1/callbacks/{int(callback_id)}/done", body,
                                        "callback_done").idempotency_key

    def set_status_listener(self, listener: LinkListener | None) -> None:
        """Where link status goes (called on the App's loop)."""
        self._listener = listener


class LiveStream:
    """`LiveEvents` over the SSE `EventStream`, iterated by a task on the App's loop."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client
        self._listener: Callable[[Any], None] | None = None
        self._stream: EventStream | None = None
        self._task: asyncio.Task[None] | None = None

    def set_listener(self, listener: Callable[[Any], None] | None) -> None:
        """Where events go."""
        self._listener = listener

    def start(self) -> None:
        """Start streaming (call on the running loop, after login)."""
        self._stream = EventStream(self._client)
        self._task = asyncio.get_running_loop().create_task(self._pump(self._stream))

    async def _pump(self, stream: EventStream) -> None:
        try:
            async for event in stream:
                if self._listener is not None:
                    self._listener(event)
        except Exception:  # the desk works without live events; the log says why
            log.exception("live event stream ended")

    async def stop(self) -> None:
        """Close the stream."""
        if self._stream is not None:
            self._stream.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


class BackendCallbacks:
    """The callback list (callers recorded while every agent was busy) from the backend."""

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    async def list_callbacks(self) -> list[PendingCallback]:
        """Open and claimed callbacks, oldest first."""
        return [
            PendingCallback(number=c.number, at=c.queued_at, customer_name=c.customer_name or "",
                            queue=c.queue or "", id=str(c.id), claimed_by=c.claimed_by or "")
            for c in await self.client.list_callbacks()
        ]

    async def claim_callback(self, callback_id: str) -> None:
        """Take it; a 409 becomes `CallbackTaken` naming who holds it (read back from the list)."""
        try:
            await self.client.claim_callback(int(callback_id))
        except BackendRejected as error:
            if error.status != 409:
                raise
            # The holder is read from the list, not parsed out of the problem's English detail.
            holder = next((c.claimed_by or "" for c in await self.client.list_callbacks()
                           if str(c.id) == callback_id), "")
            raise CallbackTaken(callback_id, holder) from error


class BackendScreens:
    """Work-order screens from the backend; the bundled `screens/` when the backend has none or is down."""

    def __init__(self, client: BackendClient) -> None:
        self._client = client

    async def load(self) -> tuple[list[ScreenDefinition], list[str]]:
        """Every usable screen and the problems met."""
        try:
            summaries = await self._client.list_screens()
            screens = [await self._client.get_screen(summary.id) for summary in summaries]
        except Exception as error:
            log.info("screens from the backend unavailable (%s); using local files", error)
        else:
            if screens:
                return screens, []
        result = load_screens(bundled_screens_dir())
        return result.screens, result.errors


class EnginePhone:
    """`PhoneControl` over `agent_tui.phone.engine.PhoneEngine`.

    With a `factory` the engine (and pjsua2 with it, ~0.1 s of imports) is made on first use, which is
    `start()` on the thread the desk starts the phone from after login: not before the first paint.
    """

    def __init__(self, engine: Any = None, *, factory: Callable[[], Any] | None = None) -> None:
        if engine is None and factory is None:
            raise ValueError("EnginePhone needs an engine or a factory")
        self._engine = engine
        self._factory = factory
        self._making = threading.Lock()
        self._listener: PhoneListener | None = None
        self.monitor_key: Callable[[], SecretStr | None] | None = None
        """Where the key verifying supervisors' monitor tokens comes from (read once, at start)."""

    @property
    def engine(self) -> Any:
        """The engine (made now if it was not yet)."""
        with self._making:
            if self._engine is None:
                assert self._factory is not None
                engine = self._factory()
                engine.set_listener(self._listener)
                self._engine = engine
            return self._engine

    def prepare(self) -> None:
        """Make the engine now (blocking: call it on a worker thread), so `start()` finds it made."""
        self.engine  # noqa: B018 - made on first access

    def set_listener(self, listener: PhoneListener | None) -> None:
        """Events go to `listener` on the engine thread."""
        with self._making:
            self._listener = listener
            if self._engine is not None:
                self._engine.set_listener(listener)

    def start(self) -> None:
        """Start the engine thread (with the monitor key from the backend's phone-config, if any)."""
        key = self.monitor_key() if self.monitor_key is not None else None
        if key is not None:
            self.engine.options = dataclasses.replace(self.engine.options, monitor_key=key)
        self.engine.start()

    def stop(self) -> None:
        """Stop it (hangs up every call); nothing to do when it was never made."""
        with self._making:
            engine = self._engine
        if engine is not None:
            engine.stop()

    def make_call(self, number: str, headers: Mapping[str, str] | None = None) -> str:
        """Dial."""
        return str(self.engine.make_call(number, dict(headers or {})))

    def answer(self, call_id: str) -> None:
        """Answer."""
        self.engine.answer(call_id)

    def reject(self, call_id: str) -> None:
        """486 Busy Here."""
        self.engine.reject(call_id)

    def hangup(self, call_id: str) -> None:
        """Hang up."""
        self.engine.hangup(call_id)

    def change_monitor_mode(self, call_id: str, mode: str, token: str) -> None:
        """Switch our monitoring call's mode within the call (the agent's phone checks `token`)."""
        self.engine.change_monitor_mode(call_id, mode, token)

    def hold(self, call_id: str) -> None:
        """Hold."""
        self.engine.hold(call_id)

    def resume(self, call_id: str) -> None:
        """Resume."""
        self.engine.resume(call_id)

    def mute(self, call_id: str, muted: bool) -> None:
        """Mute or unmute."""
        if muted:
            self.engine.mute(call_id)
        else:
            self.engine.unmute(call_id)

    def send_dtmf(self, call_id: str, digits: str) -> None:
        """DTMF by RFC 2833."""
        self.engine.send_dtmf(call_id, digits)

    def blind_transfer(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> None:
        """REFER with the case headers."""
        self.engine.blind_transfer(call_id, target, headers)

    def consult(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> str:
        """Consult call with the case headers."""
        return str(self.engine.consult(call_id, target, headers))

    def complete_transfer(self, call_id: str, consult_call_id: str) -> None:
        """Attended transfer."""
        self.engine.complete_transfer(call_id, consult_call_id)

    def conference(self, call_ids: Sequence[str]) -> None:
        """Three-way with the first two calls."""
        if len(call_ids) >= 2:
            self.engine.conference(call_ids[0], call_ids[1])


class Credentials(Protocol):
    """What the desk uses of a `CredentialStore`."""

    @property
    def needs_unlock(self) -> bool:
        """True while the encrypted file waits for its passphrase."""
        ...

    @property
    def is_new(self) -> bool:
        """True when the encrypted file does not exist yet (unlocking creates it)."""
        ...

    def unlock(self, passphrase: str | SecretStr) -> None:
        """Open the encrypted file; raises WrongPassphrase."""
        ...

    def get(self, service_key: str) -> SecretStr | None:
        """The secret under `service_key`."""
        ...

    def set(self, service_key: str, secret: SecretStr) -> None:
        """Store `secret` under `service_key`."""
        ...


class LazyCredentials:
    """The credential store, opened on first use (from any thread).

    Importing `keyring` and probing the stores costs ~0.2 s; a desk given its password by the
    environment, taking calls without a registrar, needs neither before it is ready (or at all).
    """

    def __init__(self) -> None:
        self._store: CredentialStore | None = None
        self._opening = threading.Lock()

    @property
    def store(self) -> CredentialStore:
        """The opened store."""
        with self._opening:
            if self._store is None:
                from agent_tui.credentials import CredentialStore

                self._store = CredentialStore.open()
            return self._store

    @property
    def needs_unlock(self) -> bool:
        """True while the encrypted file waits for its passphrase."""
        return self.store.needs_unlock

    @property
    def is_new(self) -> bool:
        """True when the encrypted file does not exist yet (unlocking creates it)."""
        return self.store.is_new

    def unlock(self, passphrase: str | SecretStr) -> None:
        """Open the encrypted file; raises WrongPassphrase."""
        self.store.unlock(passphrase)

    def get(self, service_key: str) -> SecretStr | None:
        """The secret under `service_key`."""
        return self.store.get(service_key)

    def set(self, service_key: str, secret: SecretStr) -> None:
        """Store `secret` under `service_key`."""
        self.store.set(service_key, secret)


class StoreSecrets:
    """`SecretKeeper` over the `CredentialStore`; `sip-password` is the first SIP account's password."""

    def __init__(self, store: Credentials, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def _key(self, name: str) -> str:
        from agent_tui.credentials import sip_key

        accounts = self.settings.sip.accounts
        if name == "sip-password" and accounts:
            return sip_key(accounts[0].user, accounts[0].domain)
        return name

    def needs_passphrase(self) -> bool:
        """Whether the encrypted file is locked."""
        return self.store.needs_unlock

    def passphrase_is_new(self) -> bool:
        """Whether unlocking creates the encrypted file."""
        return self.store.is_new

    def unlock(self, passphrase: SecretStr) -> bool:
        """Open the encrypted file."""
        from agent_tui.credentials import WrongPassphrase

        try:
            self.store.unlock(passphrase)
        except WrongPassphrase:
            return False
        return True

    def get(self, name: str) -> SecretStr | None:
        """A stored secret."""
        try:
            return self.store.get(self._key(name))
        except Exception:
            return None

    def set(self, name: str, value: SecretStr) -> None:
        """Remember a secret."""
        self.store.set(self._key(name), value)


def desk_options(settings: Settings, username: str) -> DeskOptions:
    """The UI's options from the settings."""
    ui, desk = settings.ui, settings.desk
    keymap: dict[str, str] = {}
    for binding_id, keys in ui.keymap.items():
        # `answer = "f5"` in the config file means every binding of that action.
        ids = [binding_id] if "." in binding_id else [f"desk.{binding_id}", f"app.{binding_id}",
                                                      f"form.{binding_id}"]
        keymap.update({i: str(keys) for i in ids})
    return DeskOptions(
        username=username, language=ui.language, theme=ui.theme,
        single_key_shortcuts=ui.single_key_shortcuts, mouse=ui.mouse, keymap=keymap,
        clock="minutes" if ui.clock else "off", acw_mode=desk.acw_mode, acw_seconds=desk.acw_seconds,
        aht_target_s=float(desk.aht_target_s), fcr_target=desk.fcr_target,
        auto_ready_after_acw=desk.auto_ready_after_acw, slow_lookup_s=desk.slow_lookup_s,
        recordings_dir=settings.recording.resolve_directory() if settings.recording.enabled else None,
    )


def build_phone(settings: Settings, store: Credentials | None,
                listen: tuple[str, int] | None) -> EnginePhone | None:
    """The softphone, or None when pjsua2 is not installed (the desk still works without calls).

    The engine itself is made when the phone starts (see EnginePhone).
    """
    if importlib.util.find_spec("pjsua2") is None:
        log.warning("no softphone: pjsua2 is not installed")
        return None

    def password_for(user: str, domain: str) -> SecretStr | None:
        env = os.environ.get("AGENT_TUI_SIP_PASSWORD")
        if env:
            return SecretStr(env)
        if store is None:
            return None
        from agent_tui.credentials import sip_key

        try:
            return store.get(sip_key(user, domain))
        except Exception:
            return None

    def make() -> Any:
        from agent_tui.phone.engine import PhoneEngine
        from agent_tui.phone.from_settings import engine_options

        options = engine_options(settings, password_for)
        if listen is not None:
            options = dataclasses.replace(options, accounts=(), listen=listen)
        return PhoneEngine(options)

    return EnginePhone(factory=make)


def run_desk(settings: Settings, username: str, password: str | SecretStr | None,
             listen: tuple[str, int] | None = None, *, store: Credentials | None = None,
             headless: bool = False, auto_pilot: Any = None) -> int:
    """Run the desk until the agent quits; returns the exit code.

    `headless` with an `auto_pilot` (a Textual auto-pilot coroutine function) runs a desk nobody sits
    at, driven by a script (the scripted trainee of `agent-tui demo train`).
    """
    from agent_tui.ui.desk.app import DeskApp

    backend = settings.backend
    client = BackendClient(backend.url, verify=backend.verify_tls, ca_file=backend.ca_file,
                           timeouts=Timeouts(connect=backend.connect_timeout_s, read=backend.read_timeout_s))
    writes = OutboxWrites(client)
    live = LiveStream(client)
    phone = build_phone(settings, store, listen)
    supervision = BackendSupervision(client, writes.outbox)
    if phone is not None:
        phone.monitor_key = supervision.monitor_key
    services = DeskServices(
        backend=client, writes=writes, phone=phone, screens=BackendScreens(client), events=live,
        callbacks=BackendCallbacks(client),
        secrets=StoreSecrets(store, settings) if store is not None else None,
        drafts=DraftStore(state_dir() / "drafts"), training=desk_training(settings, client),
        supervision=supervision,
    )

    def started(_info: object) -> None:
        writes.outbox.start()
        live.start()
        supervision.start()
        settle_gc()

    async def shutdown() -> None:
        await live.stop()
        await supervision.stop()
        with contextlib.suppress(Exception):
            await writes.outbox.stop()
        await client.aclose()

    services.on_logged_in.append(started)
    services.on_shutdown.append(shutdown)
    secret = SecretStr(password) if isinstance(password, str) else password
    app = DeskApp(services, desk_options(settings, username), password=secret)
    try:
        code = app.run(mouse=settings.ui.mouse, headless=headless, auto_pilot=auto_pilot)
    finally:
        gc.enable()
        if phone is not None:
            with contextlib.suppress(Exception):
                phone.stop()
    return int(code or app.return_code or 0)


def pause_gc() -> None:
    """Pause the garbage collector for start-up: imports, styles and the first layout make objects by
    the hundred thousand, and collecting them on the way costs ~10% of the start-up time."""
    gc.disable()
    timer = threading.Timer(GC_FALLBACK_S, settle_gc)
    timer.daemon = True
    timer.start()


def settle_gc() -> None:
    """After start-up (at login): keep what start-up made out of every later collection, and let the
    collector run again. Full collections then scan only what the session makes, not the whole
    application: without this one lands in a screen pop now and then (~50-250 ms on a loaded machine)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _log_to_file(settings: Settings) -> None:
    """Send logs to the configured file: anything written to the terminal would tear the screen."""
    root = logging.getLogger()
    if root.handlers:
        return
    path = settings.logging.resolve_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(settings.logging.level)


def run(args: argparse.Namespace) -> int:
    """`agent-tui desk|monitor|train`."""
    if args.command not in ("desk", "train", "monitor"):
        print(f"agent-tui {args.command}: not available in this build yet", file=sys.stderr)
        return 2
    if args.command == "desk":
        pause_gc()  # until login (settle_gc)
    try:
        settings = load_config(args.config)
    except ConfigError as error:
        print(f"agent-tui: {error}", file=sys.stderr)
        return 2
    _log_to_file(settings)
    username = args.user or settings.backend.username or os.environ.get("USER", "agent")
    store = LazyCredentials()
    password: SecretStr | None = None
    env = os.environ.get(PASSWORD_ENV)
    if env:
        password = SecretStr(env)
    elif not store.needs_unlock:
        from agent_tui.credentials import backend_key

        with contextlib.suppress(Exception):
            password = store.get(backend_key(username, settings.backend.url))
    if args.command == "train":
        return run_console(settings, username, password)
    if args.command == "monitor":
        from agent_tui.ui.monitor.launch import run_monitor

        return run_monitor(settings, username, password, store=store.store)
    return run_desk(settings, username, password, getattr(args, "listen", None), store=store)
