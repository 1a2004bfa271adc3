"""`agent-tui server`: run the reference backend with uvicorn."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from agent_tui.config import ConfigError
from agent_tui.paths import bundled_data_dir
from agent_tui.server.settings import SETTINGS_ENV, ServerSettings, default_db_url
from agent_tui.server.settings_file import config_path, read_settings_file

log = logging.getLogger(__name__)


def default_screens_dir() -> Path | None:
    """The shipped screens (the checkout's `screens/`, else the copy packaged with the wheel)."""
    folder = bundled_data_dir("screens")
    return folder if folder.is_dir() else None


def settings_from_args(args: argparse.Namespace) -> ServerSettings:
    """Server settings: the command line's flags over the config file's keys over the defaults.

    The config file is `--config FILE`, else the file `$AGENT_TUI_SERVER_CONFIG` names, else none;
    it carries everything the command line has no flag for (limits, thresholds, SLA limits).
    Raises ConfigError naming FILE:LINE: key for a file that is not valid.
    """
    path = config_path(getattr(args, "config", None))
    base: dict[str, object] = read_settings_file(path) if path is not None else {}
    screens = args.screens if args.screens is not None else base.get("screens_dir") or default_screens_dir()
    base.update(db_url=args.db or base.get("db_url") or default_db_url(), screens_dir=screens,
                prepare_db=True)
    if args.seed is not None:
        base["seed"] = args.seed
    if getattr(args, "scenarios", None) is not None:
        base["scenarios_dir"] = args.scenarios
    return ServerSettings.model_validate(base)


def run(args: argparse.Namespace) -> int:
    """Prepare the database once, then serve with `args.workers` uvicorn workers."""
    import uvicorn

    from agent_tui.server.app import create_app, prepare
    from agent_tui.server.db import Database

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.workers < 1:
        log.error("--workers must be at least 1")
        return 2
    try:
        settings = settings_from_args(args)
    except ConfigError as error:
        print(f"agent-tui server: the config is not valid:\n{error}", file=sys.stderr)
        return 2
    db = Database(settings.db_url.get_secret_value())
    if args.workers > 1 and db.is_sqlite:
        log.warning("several workers on SQLite: events reach other workers' streams by polling only")
    try:
        prepare(db, settings)
    finally:
        db.dispose()
    ready = settings.model_copy(update={"prepare_db": False})
    log.info("serving on http://%s:%d (%s, %d worker(s))", args.host, args.port,
             db.url.get_backend_name(), args.workers)
    if args.workers == 1:
        app = create_app(ready)
        app.tune_process = True  # this process serves it alone
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning",
                    access_log=False, timeout_graceful_shutdown=3)
    else:
        os.environ[SETTINGS_ENV] = ready.to_env()
        uvicorn.run("agent_tui.server.app:create_app_from_env", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level="warning", access_log=False,
                    timeout_graceful_shutdown=3)
    return 0
