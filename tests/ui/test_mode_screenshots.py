"""`scripts/screenshots.py` photographs every monitor and trainer stop of `tests.ui.mode_tour`, in the
tour's order, each a whole SVG of the screen named in its title (run on the doubles, at 120x40)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from tests.ui.mode_tour import MONITOR_STOPS, TRAINER_STOPS

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshots.py"


def script() -> ModuleType:
    """The script, loaded from its file (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("screenshots_script", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_every_monitor_and_trainer_stop_is_written(tmp_path: Path) -> None:
    written = await script().shoot_modes("en", (120, 40), tmp_path, None)
    expected = ([f"monitor-{stop}.svg" for stop in MONITOR_STOPS]
                + [f"trainer-{stop}.svg" for stop in TRAINER_STOPS])
    assert [path.name for path in written] == expected
    for path in written:
        svg = path.read_text(encoding="utf-8").replace("&#160;", " ")  # Rich writes spaces as nbsp
        assert svg.startswith("<svg")
        assert svg.rstrip().endswith("</svg>")
        mode, stop = path.stem.split("-", 1)
        assert f"agent-tui {mode}: {stop}" in svg
    assert "Wallboard" in (tmp_path / "monitor-wallboard.svg").read_text(encoding="utf-8")
    assert "GD20261205000001" in (tmp_path / "monitor-orders.svg").read_text(encoding="utf-8")
