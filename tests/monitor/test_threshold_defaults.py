"""The wallboard's thresholds have one set of defaults: `[monitor]`'s, not a second copy in the UI."""

from __future__ import annotations

from dataclasses import fields

from agent_tui.config import Settings
from agent_tui.config.monitor import MonitorSettings
from agent_tui.ui.monitor.launch import monitor_options
from agent_tui.ui.monitor.options import MonitorOptions, Thresholds


def threshold_names() -> set[str]:
    """The `[warning, alert]` pairs of `[monitor]` (every tuple-typed setting)."""
    defaults = MonitorSettings()
    return {name for name in MonitorSettings.model_fields if isinstance(getattr(defaults, name), tuple)}


def test_the_ui_thresholds_are_the_config_thresholds_by_name_and_default() -> None:
    defaults = MonitorSettings()
    assert {f.name for f in fields(Thresholds)} == threshold_names()
    assert {name: getattr(Thresholds(), name) for name in threshold_names()} == {
        name: getattr(defaults, name) for name in threshold_names()}
    assert MonitorOptions().max_paints_per_s == defaults.max_paints_per_s


def test_thresholds_are_read_from_a_changed_config_whole() -> None:
    settings = Settings(monitor={"acw_s": [10, 20], "service_level": [0.9, 0.5]})
    thresholds = Thresholds.of(settings.monitor)
    assert thresholds.acw_s == (10.0, 20.0)
    assert thresholds.service_level == (0.9, 0.5)
    assert thresholds.asa_s == MonitorSettings().asa_s
    assert monitor_options(settings).thresholds == thresholds
