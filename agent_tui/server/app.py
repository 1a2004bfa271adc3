"""The FastAPI application of the reference backend."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.types import Receive, Scope, Send

from agent_tui import __version__
from agent_tui.server import migrate, problems, roles, route_gates, screens, serving_process
from agent_tui.server.auth import TokenCache, authorize
from agent_tui.server.broker import Broker
from agent_tui.server.db import Database
from agent_tui.server.deadlines import DeadlineWatcher
from agent_tui.server.fanout import Fanout
from agent_tui.server.fastlane import FastBodyRoute, FastLane, FastRoute, serve
from agent_tui.server.limits import BodyLimit
from agent_tui.server.live import LiveFigures
from agent_tui.server.lookup import fast_lookup
from agent_tui.server.monitoring import MonitorSigner
from agent_tui.server.notify_worker import NotifyWorker
from agent_tui.server.ratelimit import LoginLimiter
from agent_tui.server.routers import (
    agents,
    callbacks,
    calls,
    campaigns,
    customers,
    directory,
    do_not_call,
    events,
    field,
    model_calls,
    order_alerts,
    queues,
    recordings,
    reference,
    reports,
    return_visits,
    satisfaction,
    sessions,
    supervision,
    tickets,
    training,
    voicemails,
)
from agent_tui.server.routers import complaints as complaint_routes
from agent_tui.server.settings import SETTINGS_ENV, ServerSettings
from agent_tui.server.state_changes import StateWriter
from agent_tui.server.state_route import fast_change
from agent_tui.server.survey_tokens import SurveySigner
from agent_tui.server.token_refresh import TokenRefresher
from agent_tui.server.wallboard import Wallboard

log = logging.getLogger(__name__)


def prepare(db: Database, settings: ServerSettings) -> None:
    """Migrate the schema, seed an empty database when asked, load new versions of the call screens."""
    migrate.upgrade(db)
    if settings.seed == "demo":
        from agent_tui.server.seed.demo import seed_demo

        if seed_demo(db):
            from agent_tui.server.seed.voicemails import seed_voicemails

            log.info("demo data loaded (%d voicemails with audio)", seed_voicemails(db, settings))
    report = screens.load_folder(db, settings.screens_dir)
    for screen in report.added:
        log.info("call screen %s version %d loaded from %s", screen.id, screen.version, settings.screens_dir)


FAST_ROUTES = (FastRoute("GET", "/v1/customers/lookup", fast_lookup),
               FastBodyRoute("PUT", "/v1/agents/{username}/state", fast_change))
"""Routes whose ordinary requests skip FastAPI's per-request machinery (see fastlane.py)."""


class Backend(FastAPI):
    """The FastAPI app, with the fast lane in front of its whole stack (`fast_lane` None: off)."""

    fast_lane: FastLane | None = None
    tune_process: bool = False
    """Tune the process once started (serving_process.py): only a server in a process of its own."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await serve(self.fast_lane, scope, receive, send, super().__call__)


def create_app(settings: ServerSettings) -> Backend:
    """The app for `settings`; prepares the database first unless `settings.prepare_db` is off."""
    db = Database(settings.db_url.get_secret_value(), pool_size=settings.db_pool_size)
    if settings.prepare_db:
        prepare(db, settings)
    broker = Broker(db)
    fanout = Fanout(broker, settings.event_poll_s, settings.keepalive_s)
    wallboard = Wallboard(db, LiveFigures(settings))
    watcher = DeadlineWatcher(db, settings)
    notifier = NotifyWorker(db, settings.notify)
    token_cache = TokenCache()
    token_refresher = TokenRefresher(db, token_cache)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await broker.start()
        await fanout.start()
        await wallboard.start()
        await watcher.start()
        notifier.start()
        await token_refresher.start()
        if app.tune_process:
            frozen = serving_process.settle_for_serving(network_database=db.is_postgres)
            log.info("%d objects kept out of full garbage collections; GIL slices of %.1f ms", frozen,
                     sys.getswitchinterval() * 1000)
        try:
            yield
        finally:
            await token_refresher.stop()
            await asyncio.to_thread(notifier.stop)
            await watcher.stop()
            await wallboard.stop()
            await fanout.stop()
            await broker.stop()
            db.dispose()

    app = Backend(
        title="agent-tui reference backend", version=__version__, lifespan=lifespan,
        dependencies=[Depends(authorize)],
        # FastAPI's own OpenTelemetry hooks: nothing here sets a provider up, and asking whether one
        # is (every request, three provider look-ups and an environment read) cost ~5% of a lookup.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.db = db
    app.state.broker = broker
    app.state.fanout = fanout
    app.state.token_cache = token_cache
    app.state.login_limiter = LoginLimiter.from_settings(settings)
    app.state.wallboard = wallboard
    app.state.state_writer = StateWriter(db, wallboard)  # w16-rate: state changes in batches
    app.state.deadline_watcher = watcher
    app.state.monitor_signer = MonitorSigner(db, settings)
    app.state.survey_signer = SurveySigner(db, settings)  # w-survey: scores only with a token for the call
    problems.install(app)
    for module in (sessions, customers, tickets, agents, calls, queues, events, reference, training,
                   supervision, recordings, model_calls, reports, callbacks, field, order_alerts,
                   return_visits, directory, satisfaction, voicemails, campaigns, do_not_call):
        app.include_router(module.router)
    app.include_router(complaint_routes.router)  # w13-monitor: the complaint loop
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes,
                       overrides=(("/v1/recordings/", settings.max_recording_bytes),
                                  ("/v1/voicemails/", settings.max_recording_bytes)))
    app.fast_lane = FastLane(app.state, FAST_ROUTES)
    route_gates.install(app)
    missing = roles.unlisted(app.routes)
    if missing:
        raise RuntimeError(f"routes without an entry in roles.ROUTE_ROLES: {missing}")
    return app


def create_app_from_env() -> Backend:
    """Factory for uvicorn workers: the settings come from `AGENT_TUI_SERVER_SETTINGS`."""
    app = create_app(ServerSettings.model_validate_json(os.environ[SETTINGS_ENV]))
    app.tune_process = True  # a uvicorn worker: a process of its own
    return app
