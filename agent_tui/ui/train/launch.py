"""Starting the trainer's console for real: backend client, live events, simulated-caller processes."""

from __future__ import annotations

import contextlib

from pydantic import SecretStr

from agent_tui.config import Settings
from agent_tui.paths import state_dir
from agent_tui.sync.client import BackendClient
from agent_tui.sync.connection import Timeouts
from agent_tui.training.caller_process import CallerLauncher, ProcessLauncher, caller_ring_limit
from agent_tui.ui.train.api import TrainingApi
from agent_tui.ui.train.review_api import ReviewApi
from agent_tui.ui.train.services import DeskTrainingServices


def desk_training(settings: Settings, client: BackendClient) -> DeskTrainingServices:
    """The desk's training services: the endpoints, self-practice callers, the desk's SIP address."""
    from agent_tui.ui.train.address import registrar_uri

    review = ReviewApi(client)
    return DeskTrainingServices(api=TrainingApi(client),
                                launcher=ProcessLauncher(
                                    log_dir=state_dir() / "training",
                                    ring_timeout_s=caller_ring_limit(settings.desk.ring_timeout_s)),
                                sip_uri=registrar_uri(settings), public_address=settings.sip.public_address,
                                uploader=review, review=review, export_dir=settings.monitor.export_dir)


def run_console(settings: Settings, username: str, password: SecretStr | None, *,
                launcher: CallerLauncher | None = None) -> int:
    """Run the trainer's console until the trainer quits; returns the exit code."""
    from agent_tui.sync.desk_link import LiveStream
    from agent_tui.ui.common.options import desk_options
    from agent_tui.ui.train.app import TrainApp
    from agent_tui.ui.train.console_services import ConsoleServices

    backend = settings.backend
    client = BackendClient(backend.url, verify=backend.verify_tls, ca_file=backend.ca_file,
                           timeouts=Timeouts(connect=backend.connect_timeout_s, read=backend.read_timeout_s))
    live = LiveStream(client)
    from agent_tui.ui.train.address import registrar_uri

    # A takeover rings the trainer's own softphone: the first account's address of record.
    callers = launcher or ProcessLauncher(log_dir=state_dir() / "training",
                                          trainer_phone=registrar_uri(settings),
                                          ring_timeout_s=caller_ring_limit(settings.desk.ring_timeout_s))
    from agent_tui.ui.train.review_playback import RecordingAccess

    recordings = RecordingAccess(ReviewApi(client), export_dir=settings.monitor.export_dir)
    services = ConsoleServices(auth=client, api=TrainingApi(client), launcher=callers, events=live,
                               recordings=recordings)

    async def shutdown() -> None:
        await live.stop()
        if isinstance(callers, ProcessLauncher):
            await callers.stop_all()
        with contextlib.suppress(Exception):
            await client.aclose()

    services.on_logged_in.append(lambda _info: live.start())
    services.on_shutdown.append(shutdown)
    app = TrainApp(services, desk_options(settings, username), password=password)
    code = app.run(mouse=settings.ui.mouse)
    return int(code or app.return_code or 0)
