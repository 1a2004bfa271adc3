"""The wallboard's objects alive after its snapshot leave the garbage collector's full passes in a real
terminal, and only there (a test process runs many Apps: their dead cycles must stay collectable)."""

from __future__ import annotations

import gc

from agent_tui.ui.monitor.gc_freeze import freeze_after_snapshot


def test_a_real_terminal_freezes_what_is_alive() -> None:
    before = gc.get_freeze_count()
    rows = [{"agent": n} for n in range(1000)]  # tracked containers, alive now
    try:
        assert freeze_after_snapshot(real_terminal=True) is True
        assert gc.get_freeze_count() >= before + len(rows)
    finally:
        gc.unfreeze()


def test_a_headless_app_freezes_nothing() -> None:
    before = gc.get_freeze_count()
    rows = [{"agent": n} for n in range(1000)]
    assert freeze_after_snapshot(real_terminal=False) is False
    assert gc.get_freeze_count() == before
    assert len(rows) == 1000
