"""Drafts: saved atomically on every change, restored after a crash, gone after submit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agent_tui.forms.drafts import DraftStore
from agent_tui.forms.prefill import PrefillContext
from agent_tui.forms.runner import FormRun
from tests.forms.screens import clock, shipped


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder for the drafts (tmp_path also holds the isolated home)."""
    return tmp_path / "drafts"


def _repair_run(draft_id: str = "draft-1") -> FormRun:
    run = FormRun.start(shipped()["repair"], PrefillContext(call={"number": "13812345678", "call_id": "c-9"}),
                        clock=clock, draft_id=draft_id, language="zh")
    run.set("fault_type", "household")
    run.next()
    run.set("breaker", "trips_again")
    return run


def test_saved_draft_is_restored_by_a_new_store(folder: Path) -> None:
    run = _repair_run()
    assert DraftStore(folder).save(run)
    result = DraftStore(folder).load(shipped(), clock=clock)
    assert result.errors == []
    assert len(result.runs) == 1
    restored = result.runs[0]
    assert restored.to_dict() == run.to_dict()
    assert restored.call_id == "c-9"
    assert restored.step.id == "household_check"
    assert restored.next().id == "location"


def test_save_only_writes_changes(folder: Path) -> None:
    store = DraftStore(folder)
    run = _repair_run()
    assert store.save(run)
    assert not store.save(run)
    run.set("breaker", "not_tripped")
    assert store.save(run)
    assert store.read(run.draft_id)["answers"]["breaker"] == "not_tripped"
    store.path_of(run.draft_id).unlink()
    assert store.save(run), "a draft deleted behind the store's back is written again"


def test_discard_after_submit(folder: Path) -> None:
    store = DraftStore(folder)
    run = _repair_run()
    store.save(run)
    store.discard(run.draft_id)
    store.discard(run.draft_id)  # twice is harmless
    assert DraftStore(folder).load(shipped()).runs == []
    assert list(folder.iterdir()) == []


def test_a_failed_rename_keeps_the_previous_version(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = DraftStore(folder)
    run = _repair_run()
    store.save(run)
    run.set("breaker", "cannot_check")

    def crash(src: object, dst: object) -> None:
        raise OSError("disk gone")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", crash)
        with pytest.raises(OSError, match="disk gone"):
            store.save(run)
    assert [p.name for p in folder.iterdir()] == [store.path_of(run.draft_id).name]
    restored = DraftStore(folder).load(shipped(), clock=clock).runs[0]
    assert restored.value("breaker") == "trips_again"


def test_leftover_temp_files_from_a_crash_are_ignored_and_removed(folder: Path) -> None:
    store = DraftStore(folder)
    run = _repair_run()
    store.save(run)
    torn = folder / f".tmp-{store.path_of(run.draft_id).name}-12345"
    torn.write_text('{"saved_at": "2024', encoding="utf-8")
    result = DraftStore(folder).load(shipped(), clock=clock)
    assert [r.draft_id for r in result.runs] == [run.draft_id]
    assert result.errors == []
    assert not torn.exists()


def test_broken_and_unknown_drafts_are_reported_and_kept(folder: Path) -> None:
    store = DraftStore(folder)
    good = _repair_run("good")
    store.save(good)
    other = FormRun(shipped()["complaint"], clock=clock, draft_id="other")
    store.save(other)
    broken = store.path_of("broken")
    broken.write_text("{not json", encoding="utf-8")
    wrong = store.path_of("wrong")
    wrong.write_text(json.dumps({"run": {**good.to_dict(), "step": "vanished"}}), encoding="utf-8")
    result = DraftStore(folder).load({"repair": shipped()["repair"]}, clock=clock)
    assert [r.draft_id for r in result.runs] == ["good"]
    assert len(result.errors) == 3
    unknown = f"{store.path_of('other')}: screen 'complaint' is not available"
    assert unknown in result.errors
    assert any(str(broken) in e for e in result.errors)
    assert any(str(wrong) in e for e in result.errors)
    assert broken.exists()
    assert wrong.exists()


@pytest.mark.parametrize("draft_id", ["abc@10.0.0.1", "../../etc/passwd", "a/b", ".hidden", "x" * 300])
def test_any_draft_id_stays_inside_the_folder(folder: Path, draft_id: str) -> None:
    store = DraftStore(folder / "drafts")
    path = store.path_of(draft_id)
    assert path.parent == folder / "drafts"
    assert path.name.endswith(".draft.json")
    run = FormRun(shipped()["repair"], clock=clock, draft_id=draft_id)
    store.save(run)
    assert [r.draft_id for r in DraftStore(folder / "drafts").load(shipped()).runs] == [draft_id]


def test_draft_survives_the_process_being_killed(folder: Path) -> None:
    """A child process saves after each change and is killed with SIGKILL; the parent finds the draft."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        sys.path.insert(0, {str(Path(__file__).parents[2])!r})
        from agent_tui.forms.drafts import DraftStore
        from agent_tui.forms.runner import FormRun
        from tests.forms.screens import clock, shipped
        store = DraftStore(Path({str(folder)!r}))
        run = FormRun(shipped()["complaint"], clock=clock, draft_id="killed", language="zh")
        for field, raw in [("category", "billing")]:
            run.set(field, raw); store.save(run)
        run.next(); store.save(run)
        run.set("account", "1234567890"); store.save(run)
        run.set("bill_month", "2024-04"); store.save(run)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    result = DraftStore(folder).load(shipped(), clock=clock)
    assert result.errors == []
    [run] = result.runs
    assert run.draft_id == "killed"
    assert run.step.id == "billing"
    assert run.answers == {"category": "billing", "account": "1234567890", "bill_month": "2024-04"}
