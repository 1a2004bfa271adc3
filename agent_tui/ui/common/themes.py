"""Themes as data: `themes/*.toml` loaded into `textual.theme.Theme` objects with our own variables.

A theme file holds the Textual base colours (`primary`, `background`...) and a `[variables]` table for
the variables our CSS uses (`$call-ringing`, `$agent-ready`, `$sla-breach`...). A broken file is
reported with its name and skipped; the other themes still load.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

from textual.theme import Theme

from agent_tui.paths import bundled_data_dir

log = logging.getLogger(__name__)

DEFAULT_THEME = "dark"
MONOCHROME_THEME = "monochrome"

THEME_VARIABLE_DEFAULTS: dict[str, str] = {
    "call-ringing": "#d98e04",
    "agent-ready": "#4ebf71",
    "agent-not-ready": "#e05260",
    "agent-acw": "#c9a227",
    "agent-on-call": "#3a8fd6",
    "sla-breach": "#ff5c6c",
    "sla-ok": "#4ebf71",
    "pending": "#c9a227",
    "field-error": "#ff7b86",
}
"""Our CSS variables and their fallbacks, for theme files that leave some out."""

_BASE_KEYS = (
    "primary", "secondary", "warning", "error", "success", "accent",
    "foreground", "background", "surface", "panel", "boost",
)


@dataclass(frozen=True)
class ThemeProblem:
    """A theme file that could not be loaded, and why (shown to the user as a notification)."""

    path: Path
    message: str


def themes_dir() -> Path:
    """Where the theme files are: inside the installed wheel, else the source checkout's `themes/`."""
    return bundled_data_dir("themes")


def theme_from_mapping(data: dict[str, object], fallback_name: str) -> Theme:
    """Build a Theme from the parsed TOML of one theme file."""
    name = str(data.get("name") or fallback_name)
    if "primary" not in data:
        raise ValueError("missing key 'primary'")
    colours = {key: str(data[key]) for key in _BASE_KEYS if key in data}
    variables_raw = data.get("variables", {})
    if not isinstance(variables_raw, dict):
        raise ValueError("'variables' must be a table")
    variables = {**THEME_VARIABLE_DEFAULTS, **{str(k): str(v) for k, v in variables_raw.items()}}
    spread = data.get("luminosity_spread", 0.15)
    alpha = data.get("text_alpha", 0.95)
    return Theme(
        name=name,
        dark=bool(data.get("dark", True)),
        luminosity_spread=float(spread) if isinstance(spread, int | float) else 0.15,
        text_alpha=float(alpha) if isinstance(alpha, int | float) else 0.95,
        variables=variables,
        **colours,  # type: ignore[arg-type]
    )


def load_themes(folder: Path | None = None) -> tuple[list[Theme], list[ThemeProblem]]:
    """Load every `*.toml` theme in `folder`; return the themes and the files that failed."""
    base = folder or themes_dir()
    themes: list[Theme] = []
    problems: list[ThemeProblem] = []
    for path in sorted(base.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            themes.append(theme_from_mapping(data, path.stem))
        except (OSError, ValueError, TypeError) as error:
            # tomllib.TOMLDecodeError is a ValueError and names the line and column.
            log.warning("theme %s not loaded: %s", path, error)
            problems.append(ThemeProblem(path, str(error)))
    return themes, problems


def choose_theme(requested: str, *, no_color: bool, colour_system: str | None, known: set[str]) -> str:
    """The theme to use: monochrome under NO_COLOR or on a terminal with 16 colours or fewer."""
    if no_color or colour_system in (None, "standard", "windows"):
        return MONOCHROME_THEME if MONOCHROME_THEME in known else requested
    if requested in known:
        return requested
    return DEFAULT_THEME if DEFAULT_THEME in known else next(iter(sorted(known)), "textual-dark")
