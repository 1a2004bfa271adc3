"""Starting the desk for real: settings, credentials, backend client, outbox, live events, softphone.

`run(args)` serves `agent-tui desk|monitor|train`; `run_desk(settings, username, password, listen)` is
the entry point `agent_tui.demo` uses. The adapters here fit the real services to the Protocols of
`agent_tui.ui.desk.services`; the App never sees anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import sys
import threading
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from agent_tui import startup_gc
from agent_tui.config import ConfigError, Settings, load_config
from agent_tui.credential_access import Credentials, LazyCredentials, StoreSecrets
from agent_tui.desk.outbound_items import CallbackItems, CampaignItems, SourceChain
from agent_tui.forms.drafts import DraftStore
from agent_tui.paths import state_dir
from agent_tui.phone.desk_phone import build_phone
from agent_tui.private_files import open_private, private_folder
from agent_tui.sync.callbacks import BackendCallbacks
from agent_tui.sync.client import BackendClient
from agent_tui.sync.connection import Timeouts
from agent_tui.sync.desk_link import LiveStream, OutboxWrites
from agent_tui.sync.desk_orders import BackendOrders
from agent_tui.sync.directory import DeskDirectory
from agent_tui.sync.link_health import LinkHealth
from agent_tui.sync.link_probe import LinkProber
from agent_tui.sync.screens import BackendScreens
from agent_tui.sync.survey_tokens import BackendSurveyTokens
from agent_tui.ui.common.options import desk_options
from agent_tui.ui.desk.outbound_voicemail import BackendVoicemails
from agent_tui.ui.desk.services import DeskServices
from agent_tui.ui.desk.supervisor_commands import BackendSupervision
from agent_tui.ui.train.launch import desk_training, run_console

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

GC_FALLBACK_S = 30.0
"""The garbage collector, paused for start-up, runs again at login, or after this long at the latest."""

PASSWORD_ENV = "AGENT_TUI_PASSWORD"  # noqa: S105 - the name of the variable


def run_desk(settings: Settings, username: str, password: str | SecretStr | None,
             listen: tuple[str, int] | None = None, *, store: Credentials | None = None,
             headless: bool = False, auto_pilot: Any = None) -> int:
    """Run the desk until the agent quits; returns the exit code.

    `headless` with an `auto_pilot` (a Textual auto-pilot coroutine function) runs a desk nobody sits
    at, driven by a script (the scripted trainee of `agent-tui demo train`).
    """
    from agent_tui.ui.desk.app import DeskApp

    backend = settings.backend
    health = LinkHealth(probe_interval_s=backend.health_probe_s)
    client = BackendClient(backend.url, verify=backend.verify_tls, ca_file=backend.ca_file,
                           timeouts=Timeouts(connect=backend.connect_timeout_s, read=backend.read_timeout_s),
                           on_exchange=health.report)
    writes = OutboxWrites(client, health)
    prober = LinkProber(client, health)
    live = LiveStream(client)
    phone = build_phone(settings, store, listen)
    supervision = BackendSupervision(client, writes.outbox)
    if phone is not None:
        phone.monitor_key = supervision.monitor_key
    services = DeskServices(
        backend=client, writes=writes, phone=phone, screens=BackendScreens(client), events=live,
        callbacks=BackendCallbacks(client), voicemails=BackendVoicemails(client),
        outbound=(SourceChain([CallbackItems(client, writes.outbox, settings.desk.outbound_queues),
                               CampaignItems(client, writes.outbox)])
                  if settings.desk.outbound_mode != "off" else None),
        secrets=StoreSecrets(store, settings) if store is not None else None,
        drafts=DraftStore(state_dir() / "drafts"), training=desk_training(settings, client),
        supervision=supervision, directory=desk_directory(settings, client, phone),
        orders=BackendOrders(client), survey_tokens=BackendSurveyTokens(client),
    )

    def started(_info: object) -> None:
        writes.outbox.start()
        prober.start()
        live.start()
        supervision.start()
        settle_gc()

    async def shutdown() -> None:
        if services.directory is not None:
            with contextlib.suppress(Exception):  # a stale entry is replaced at the next announce
                await services.directory.withdraw()
        await prober.stop()
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


def desk_directory(settings: Settings, client: BackendClient, phone: object) -> DeskDirectory | None:
    """The desk directory when the phone listens with no registrar (colleagues' extensions resolve
    through the backend); None with a registrar, which routes extensions itself, or with no phone."""
    from agent_tui.ui.train.address import registrar_uri

    if phone is None or registrar_uri(settings) is not None:
        return None
    return DeskDirectory(client)


def pause_gc() -> None:
    """Pause the garbage collector for start-up: imports, styles and the first layout make objects by
    the hundred thousand, and collecting them on the way costs ~10% of the start-up time."""
    startup_gc.restore()  # the imports' looser thresholds (cli): the session collects as usual
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
    private_folder(path.parent)
    open_private(path, "a").close()  # the handler appends to a file that is the user's alone
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
