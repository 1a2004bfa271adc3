"""Starting the wallboard for real: backend client, live feed, the supervisor's softphone."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent_tui.config import Settings
from agent_tui.credentials import CredentialStore
from agent_tui.sync.campaign_admin import CampaignAdminClient
from agent_tui.sync.client import BackendClient
from agent_tui.sync.connection import Timeouts
from agent_tui.sync.orders import OrdersClient
from agent_tui.sync.supervision import SupervisorClient, WallboardFeed, WallboardSink
from agent_tui.ui.monitor.options import MonitorOptions, Thresholds
from agent_tui.ui.monitor.services import MonitorServices

log = logging.getLogger(__name__)


class EnginePlayer:
    """Plays a recording through the phone engine's audio (`PhoneEngine.play_file`)."""

    def __init__(self, phone: Any) -> None:
        self.phone = phone

    def play(self, path: Path) -> None:
        """Play `path` into the supervisor's calls (and so into the headset through the audio bridge)."""
        # The engine is reached only now: launch may make it lazily, after the first paint.
        self.phone.engine.play_file(None, path)


def monitor_options(settings: Settings, sip_directory: Mapping[str, str] | None = None) -> MonitorOptions:
    """The wallboard's options from `[monitor]`."""
    m = settings.monitor
    return MonitorOptions(thresholds=Thresholds.of(m), max_paints_per_s=m.max_paints_per_s,
                          export_dir=m.export_dir, sip_directory=dict(sip_directory or {}))


def run_monitor(settings: Settings, username: str, password: SecretStr | None, *,
                store: CredentialStore | None = None, listen: tuple[str, int] | None = None,
                sip_directory: Mapping[str, str] | None = None, with_phone: bool = True) -> int:
    """Run the wallboard until the supervisor quits; returns the exit code."""
    from agent_tui.phone.desk_phone import build_phone
    from agent_tui.ui.common.options import desk_options
    from agent_tui.ui.monitor.app import MonitorApp

    backend = settings.backend
    client = BackendClient(backend.url, verify=backend.verify_tls, ca_file=backend.ca_file,
                           timeouts=Timeouts(connect=backend.connect_timeout_s, read=backend.read_timeout_s))
    phone = build_phone(settings, store, listen) if with_phone else None
    player = EnginePlayer(phone) if phone is not None else None

    def feed(sink: WallboardSink) -> WallboardFeed:
        return WallboardFeed.over(client, sink)

    async def shutdown() -> None:
        with contextlib.suppress(Exception):
            await client.aclose()

    services = MonitorServices(auth=client, api=SupervisorClient(client), feed=feed, phone=phone,
                               player=player, orders=OrdersClient(client),
                               campaigns=CampaignAdminClient(client))
    services.on_shutdown.append(shutdown)
    app = MonitorApp(services, desk_options(settings, username), monitor_options(settings, sip_directory),
                     password=password)
    try:
        code = app.run(mouse=settings.ui.mouse)
    finally:
        if phone is not None:
            with contextlib.suppress(Exception):
                phone.stop()
    return int(code or app.return_code or 0)
