"""`agent-tui credentials reset`: the way out of a lost passphrase deletes the encrypted file only after a
warning and a confirmation; the next store is new (so the login asks its passphrase twice)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from agent_tui.cli import main
from agent_tui.credentials import CredentialStore, WrongPassphrase, default_file
from agent_tui.credentials_cli import EXIT_OK, EXIT_REFUSED, reset

PASSPHRASE = "first passphrase"


def locked_file(path: Path) -> CredentialStore:
    """An encrypted file created with PASSPHRASE, as a slip at the first login would leave it."""
    store = CredentialStore.open(prefer="file", file_path=path)
    store.unlock(PASSPHRASE)
    return store


def test_reset_asks_and_only_the_confirm_word_deletes(tmp_path: Path) -> None:
    path = tmp_path / "credentials.cfg"
    locked_file(path)
    out = io.StringIO()
    assert reset(path, yes=False, answers=io.StringIO("y\n"), out=out, interactive=True) == EXIT_REFUSED
    assert path.exists()
    assert "WARNING" in out.getvalue()
    assert str(path) in out.getvalue()
    assert "Nothing deleted." in out.getvalue()

    out = io.StringIO()
    assert reset(path, yes=False, answers=io.StringIO("reset\n"), out=out, interactive=True) == EXIT_OK
    assert not path.exists()
    fresh = CredentialStore.open(prefer="file", file_path=path)
    assert fresh.is_new, "the next login creates a new file (and asks the passphrase twice)"
    fresh.unlock("a new passphrase")
    with pytest.raises(WrongPassphrase):
        CredentialStore.open(prefer="file", file_path=path).unlock(PASSPHRASE)


def test_reset_without_a_terminal_needs_yes(tmp_path: Path) -> None:
    path = tmp_path / "credentials.cfg"
    locked_file(path)
    out = io.StringIO()
    assert reset(path, yes=False, answers=io.StringIO("reset\n"), out=out, interactive=False) == EXIT_REFUSED
    assert path.exists()
    assert "--yes" in out.getvalue()


def test_cli_reset_yes_deletes_the_default_file(
    isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = default_file()
    assert path is not None
    assert str(path).startswith(str(isolated_dirs)), "never the developer's own file"
    locked_file(path)
    assert main(["credentials", "reset", "--yes"]) == EXIT_OK
    assert not path.exists()
    assert "Deleted" in capsys.readouterr().out
    assert main(["credentials", "reset", "--yes"]) == EXIT_OK
    assert "nothing to reset" in capsys.readouterr().out
