"""What a server process sets once it starts serving (server/serving_process.py)."""

from __future__ import annotations

import gc
import sys
import weakref
from collections.abc import Iterator

import pytest

from agent_tui.server import serving_process
from agent_tui.server.app import create_app
from agent_tui.server.settings import ServerSettings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Whatever a test froze goes back to the ordinary generations, the GIL's slices to their length."""
    assert gc.get_freeze_count() == 0, "something froze the test process before this test"
    interval = sys.getswitchinterval()
    try:
        yield
    finally:
        gc.unfreeze()
        sys.setswitchinterval(interval)


class _Node:
    """An object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: object = None


def test_the_living_are_frozen_and_dead_cycles_collected_first(unfrozen: None) -> None:
    alive = [_Node() for _ in range(100)]
    dead = _Node()
    dead.other = dead  # a cycle: only the collector frees it
    gone = weakref.ref(dead)
    del dead
    assert all(id(node) in _walked() for node in alive)
    frozen = serving_process.settle_for_serving(network_database=True)
    assert gone() is None, "a dead cycle was frozen, and would be kept for the life of the process"
    assert frozen == gc.get_freeze_count() >= len(alive)
    walked = _walked()
    assert not any(id(node) in walked for node in alive)
    assert sys.getswitchinterval() == pytest.approx(serving_process.SWITCH_INTERVAL_S)
    assert serving_process.SWITCH_INTERVAL_S < 0.005  # shorter than CPython's default


def _walked() -> set[int]:
    """The ids of every object a collection of some generation would walk now (not the frozen)."""
    return {id(o) for o in gc.get_objects()}


def test_slices_stay_as_they_are_without_a_network_database(unfrozen: None) -> None:
    sys.setswitchinterval(0.004)
    serving_process.settle_for_serving(network_database=False)
    assert sys.getswitchinterval() == pytest.approx(0.004)
    assert gc.get_freeze_count() > 0


def test_an_app_built_in_a_test_process_does_not_freeze() -> None:
    app = create_app(ServerSettings.model_validate({"db_url": "sqlite://", "prepare_db": False}))
    assert app.tune_process is False
