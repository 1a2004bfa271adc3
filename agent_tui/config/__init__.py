"""Settings: a TOML file, overridden by `AGENT_TUI_<SECTION>__<KEY>` environment variables.

`load_config()` reads the file (`--config`, else `$AGENT_TUI_CONFIG`, else the user config dir), validates
it strictly (unknown keys are errors) and returns frozen `Settings`. Every problem is reported as
`FILE:LINE: key.path: message`, or `$VARIABLE: key.path: message` when an environment variable caused it.
Secrets never live here: they belong in the credential store (`agent_tui.credentials`).

One module per section (`backend`, `sip`, `ui`, `audio`, `logs`, `desk`, `monitor`), the whole in
`settings`, and reading and error wording in `loading` and `errors`. The names below are the package's
public ones: import them from `agent_tui.config`.
"""

from __future__ import annotations

from agent_tui.config.audio import AudioDevice, AudioSettings, RecordingSettings
from agent_tui.config.backend import BackendSettings
from agent_tui.config.desk import DeskSettings
from agent_tui.config.errors import SECRET_KEYS, SECRET_MESSAGE, ConfigError, ConfigProblem, describe
from agent_tui.config.loading import check_environment, load_config
from agent_tui.config.logs import LoggingSettings
from agent_tui.config.monitor import MonitorSettings, Thresholds
from agent_tui.config.section import FilePath
from agent_tui.config.settings import ENV_DELIMITER, ENV_PREFIX, Settings
from agent_tui.config.sip import Codec, SipAccount, SipSettings, SipUri
from agent_tui.config.ui import Keys, UiSettings

__all__ = [
    "ENV_DELIMITER",
    "ENV_PREFIX",
    "SECRET_KEYS",
    "SECRET_MESSAGE",
    "AudioDevice",
    "AudioSettings",
    "BackendSettings",
    "Codec",
    "ConfigError",
    "ConfigProblem",
    "DeskSettings",
    "FilePath",
    "Keys",
    "LoggingSettings",
    "MonitorSettings",
    "RecordingSettings",
    "Settings",
    "SipAccount",
    "SipSettings",
    "SipUri",
    "Thresholds",
    "UiSettings",
    "check_environment",
    "describe",
    "load_config",
]
