"""Screens load from TOML; a broken file is reported with file, line and key, and the others still load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent_tui.domain.screen import ScreenDefinition, StepKind
from agent_tui.domain.ticket import TicketType
from agent_tui.forms.loader import ScreenError, bundled_screens_dir, load_screen, load_screens

BROKEN = Path(__file__).parent / "broken"
BROKEN_FILES = sorted(BROKEN.glob("*.toml"))
SHIPPED = {
    "repair": TicketType.REPAIR,
    "complaint": TicketType.COMPLAINT,
    "consultation": TicketType.CONSULTATION,
    "suggestion": TicketType.SUGGESTION,
    "application": TicketType.APPLICATION,
    "status_query": None,
    "return_visit": None,
    "outage_notice": None,
    "arrears_reminder": None,
}


def _expected(path: Path) -> str:
    """Each broken file states, on its first line, the message after `FILE:`."""
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert first.startswith("# expect: "), f"{path} has no expectation line"
    return first.removeprefix("# expect: ")


def test_every_shipped_screen_loads() -> None:
    result = load_screens(bundled_screens_dir())
    assert result.errors == []
    screens = result.by_id()
    assert set(screens) == set(SHIPPED)
    for screen_id, ticket_type in SHIPPED.items():
        assert screens[screen_id].ticket_type == ticket_type


@pytest.mark.parametrize("screen_id", sorted(SHIPPED))
def test_shipped_screens_are_bilingual_and_read_back_before_submitting(screen_id: str) -> None:
    screen = load_screen(bundled_screens_dir() / f"{screen_id}.toml")
    texts: list[object] = [screen.title]
    for step in screen.steps:
        texts += [step.title, step.prompt]
        for field in step.fields:
            texts.append(field.label)
            texts += [choice.label for choice in field.choices]
    for text in texts:
        # A plain string is allowed only where it reads the same in both languages (units like "220 V").
        if isinstance(text, dict):
            assert set(text) == {"en", "zh"}, text
            assert all(text.values()), text
    filing_ends = [s for s in screen.steps if s.kind == StepKind.END and s.files_ticket]
    if screen.ticket_type is None:
        assert not any(s.kind == StepKind.READBACK for s in screen.steps)
        return
    steps = {s.id: s for s in screen.steps}
    for end in filing_ends:
        # Every step that leads straight into a filing end is a read-back.
        before = [s for s in screen.steps if s.next == end.id or any(b.goto == end.id for b in s.branches)]
        assert before, end.id
        assert all(steps[s.id].kind == StepKind.READBACK for s in before), [s.id for s in before]


@pytest.mark.parametrize("path", BROKEN_FILES, ids=[p.stem for p in BROKEN_FILES])
def test_broken_screen_names_file_line_and_key(path: Path) -> None:
    with pytest.raises(ScreenError) as caught:
        load_screen(path)
    assert str(caught.value) == f"{path}:{_expected(path)}"
    assert caught.value.path == path
    assert caught.value.line == int(_expected(path).split(":", 1)[0])


def test_broken_files_do_not_stop_the_others(tmp_path: Path) -> None:
    for path in BROKEN_FILES:
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(bundled_screens_dir() / "repair.toml", tmp_path / "repair.toml")
    shutil.copy(bundled_screens_dir() / "complaint.toml", tmp_path / "zz_complaint.toml")
    result = load_screens(tmp_path)
    assert [s.id for s in result.screens] == ["repair", "complaint"]
    assert len(result.errors) == len(BROKEN_FILES)
    for path in BROKEN_FILES:
        assert f"{tmp_path / path.name}:{_expected(path)}" in result.errors


def test_duplicate_screen_id_is_reported_and_the_first_kept(tmp_path: Path) -> None:
    source = (bundled_screens_dir() / "repair.toml").read_text(encoding="utf-8")
    (tmp_path / "a_repair.toml").write_text(source, encoding="utf-8")
    (tmp_path / "b_repair.toml").write_text(source.replace("version = 1", "version = 2"), encoding="utf-8")
    result = load_screens(tmp_path)
    assert [(s.id, s.version) for s in result.screens] == [("repair", 1)]
    line = next(i for i, text in enumerate(source.splitlines(), 1) if text.startswith("id = "))
    first, second = tmp_path / "a_repair.toml", tmp_path / "b_repair.toml"
    assert result.errors == [f"{second}:{line}: id: screen id 'repair' is already used by {first}"]


def test_missing_folder_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = load_screens(tmp_path / "nope")
    assert result.screens == []
    assert len(result.errors) == 1
    assert "not a folder" in result.errors[0]


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "gone.toml"
    path.symlink_to(tmp_path / "missing-target.toml")
    with pytest.raises(ScreenError, match="cannot read file"):
        load_screen(path)


def test_screen_round_trips_through_json() -> None:
    """The backend serves screens as JSON; what the client parses back is the same screen."""
    for screen in load_screens(bundled_screens_dir()).screens:
        again = ScreenDefinition.model_validate_json(screen.model_dump_json())
        assert again == screen
