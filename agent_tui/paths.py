"""Where agent-tui keeps its files: XDG base directories through platformdirs.

Every function creates its folder on first use, so callers can write at once.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

APP_NAME = "agent-tui"
CONFIG_ENV = "AGENT_TUI_CONFIG"
"""Environment variable naming the config file."""


def _ensure(path: str | Path) -> Path:
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def config_dir() -> Path:
    """The user's config folder (`$XDG_CONFIG_HOME/agent-tui`)."""
    return _ensure(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    """Drafts, the outbox journal, recordings and the default backend database."""
    return _ensure(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Data the user keeps: the encrypted credential file, remembered choices."""
    return _ensure(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Things that can be rebuilt: cached screens, speech WAVs."""
    return _ensure(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Log files, pjsip's included."""
    return _ensure(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def recordings_dir() -> Path:
    """Call recordings waiting for upload."""
    return _ensure(state_dir() / "recordings")


def default_config_file() -> Path:
    """The config file used when neither `--config` nor `$AGENT_TUI_CONFIG` names one."""
    named = os.environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser()
    return config_dir() / "config.toml"


def bundled_data_dir(name: str) -> Path:
    """Data shipped with agent-tui (`screens`, `themes`, `scenarios`): the checkout's top-level folder
    when running from one, else the copy packaged as `agent_tui/_data/NAME`."""
    installed = Path(str(resources.files("agent_tui") / "_data" / name))
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[1] / name
