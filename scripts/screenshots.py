"""Write SVG screenshots of every mode (desk, monitor, trainer) to docs/screenshots/.

    PYTHONPATH=. .venv/bin/python scripts/screenshots.py [--size 100x30] [--mode-size 120x40]
        [--out docs/screenshots]

The apps run against the in-process doubles of the test suite (the desk through the snapshot suite's
tour `tests.ui.tour`, the monitor and the trainer through `tests.ui.mode_tour`), in a throw-away XDG
folder, so nothing of the user's own config or drafts is read or written. Every screen state in
English, and the main ones in Chinese; look at them as pictures before committing them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ZH_STOPS = ("idle", "ringing", "on-call", "order-form", "wrap-up", "palette")
"""The Chinese set: the states an agent sees most, and the palette (Textual's own strings)."""

MODE_ZH_STOPS = ("wallboard", "review")
"""The monitor's and the trainer's Chinese set: one screen each, the one its user lives in."""


async def shoot(language: str, size: tuple[int, int], out: Path, stops: tuple[str, ...] | None) -> list[Path]:
    """Walk the desk in `language` and write one SVG per stop (only `stops`, when given)."""
    from agent_tui.ui.desk.app import DeskApp
    from tests.ui.tour import desk_tour, login_stop, tour_app

    written: list[Path] = []
    suffix = "" if language == "en" else f"-{language}"

    def save(app: DeskApp, stop: str) -> None:
        if stops is not None and stop not in stops:
            return
        path = out / f"desk-{stop}{suffix}.svg"
        svg = app.export_screenshot(title=f"agent-tui desk: {stop}")
        path.write_text(svg, encoding="utf-8")
        written.append(path)

    app, _phone = tour_app(language, logged_in=False)
    async with app.run_test(size=size) as pilot:

        async def visit_login(stop: str) -> None:
            save(app, stop)

        await login_stop(pilot, app, visit_login)
    app, phone = tour_app(language)
    async with app.run_test(size=size) as pilot:

        async def visit(stop: str) -> None:
            save(app, stop)

        await desk_tour(pilot, app, phone, visit)
    return written


async def shoot_modes(language: str, size: tuple[int, int], out: Path,
                      stops: tuple[str, ...] | None) -> list[Path]:
    """Walk the monitor and the trainer in `language`; one SVG per stop (only `stops`, when given)."""
    from tests.ui.mode_tour import monitor_app, monitor_tour, trainer_app, trainer_tour

    written: list[Path] = []
    suffix = "" if language == "en" else f"-{language}"

    def saver(app: Any, mode: str) -> Callable[[str], Awaitable[None]]:
        async def save(stop: str) -> None:
            if stops is not None and stop not in stops:
                return
            path = out / f"{mode}-{stop}{suffix}.svg"
            path.write_text(app.export_screenshot(title=f"agent-tui {mode}: {stop}"), encoding="utf-8")
            written.append(path)
        return save

    monitor, feeds = monitor_app(language)
    async with monitor.run_test(size=size) as pilot:
        await monitor_tour(pilot, monitor, feeds, saver(monitor, "monitor"))
    trainer = await trainer_app(language)
    async with trainer.run_test(size=size) as pilot:
        await trainer_tour(pilot, trainer, saver(trainer, "trainer"))
    return written


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots; prints each file written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100x30", help="COLUMNSxROWS (default 100x30)")
    parser.add_argument("--mode-size", default="120x40",
                        help="COLUMNSxROWS of the monitor and the trainer (default 120x40)")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    columns, rows = (int(part) for part in args.size.lower().split("x"))
    mode_columns, mode_rows = (int(part) for part in args.mode_size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="agent-tui-shots-") as home:
        for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            os.environ[name] = str(Path(home) / name.lower())
        written = asyncio.run(shoot("en", (columns, rows), args.out, None))
        written += asyncio.run(shoot("zh", (columns, rows), args.out, ZH_STOPS))
        written += asyncio.run(shoot_modes("en", (mode_columns, mode_rows), args.out, None))
        written += asyncio.run(shoot_modes("zh", (mode_columns, mode_rows), args.out, MODE_ZH_STOPS))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
