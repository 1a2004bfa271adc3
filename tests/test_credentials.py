"""The credential store: backend choice, the encrypted file, and that secrets never leak."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringLocked, PasswordDeleteError
from pydantic import SecretStr

from agent_tui import credentials
from agent_tui.credentials import (
    CredentialsLocked,
    CredentialStore,
    WrongPassphrase,
    backend_key,
    sip_key,
)

SECRET = "s3cr3t-SIP-pa55-\u53e3\u4ee4"
PASSPHRASE = "correct horse battery staple"


class DictKeyring(KeyringBackend):
    """An OS keyring stand-in that keeps secrets in a dict."""

    priority = 1

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class LockedKeyring(DictKeyring):
    """A keyring that exists but does not answer."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")


@pytest.fixture(autouse=True)
def no_terminal_prompt(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail the test if anything tries to prompt on the terminal."""
    prompts: list[str] = []

    def refuse(prompt: str = "", stream: object = None) -> str:
        prompts.append(prompt)
        raise AssertionError(f"terminal prompt attempted: {prompt!r}")

    monkeypatch.setattr(getpass, "getpass", refuse)
    yield prompts
    assert prompts == []


def test_keys() -> None:
    assert sip_key("1001", "pbx.example.com") == "sip:1001@pbx.example.com"
    assert backend_key("agent01", "http://127.0.0.1:8080/") == "backend:agent01@http://127.0.0.1:8080"


def test_answering_os_keyring_comes_first(tmp_path: Path) -> None:
    os_keyring = DictKeyring()
    store = CredentialStore.open(os_keyring=os_keyring, file_path=tmp_path / "c.cfg")
    assert store.backend_name.startswith("keyring")
    assert not store.needs_unlock
    store.set(sip_key("1001", "pbx"), SecretStr(SECRET))
    assert os_keyring.items[(credentials.SERVICE, "sip:1001@pbx")] == SECRET
    got = store.get(sip_key("1001", "pbx"))
    assert got is not None
    assert got.get_secret_value() == SECRET
    store.delete(sip_key("1001", "pbx"))
    store.delete(sip_key("1001", "pbx"))  # deleting twice is not an error
    assert store.get(sip_key("1001", "pbx")) is None
    assert not (tmp_path / "c.cfg").exists()


def test_silent_os_keyring_falls_back_to_file(tmp_path: Path) -> None:
    store = CredentialStore.open(os_keyring=LockedKeyring(), file_path=tmp_path / "c.cfg")
    assert store.backend_name == "encrypted file"
    assert store.needs_unlock
    assert store.is_new


def test_fail_keyring_is_not_an_os_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    # conftest sets PYTHON_KEYRING_BACKEND to keyring.backends.fail.Keyring; forget any earlier choice.
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.fail"
    store = CredentialStore.open()
    assert store.backend_name == "encrypted file"
    assert store.needs_unlock


def test_empty_chainer_and_file_keyrings_are_not_os_keyrings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ChainerBackend, "backends", property(lambda self: []))
    monkeypatch.setattr(keyring, "get_keyring", ChainerBackend)
    assert credentials._os_keyring() is None

    from keyrings.cryptfile.cryptfile import CryptFileKeyring

    # cryptfile as the "OS keyring" would prompt with getpass on first use: it must be skipped.
    monkeypatch.setattr(keyring, "get_keyring", CryptFileKeyring)
    assert credentials._os_keyring() is None


def test_unusable_file_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    store = CredentialStore.open(os_keyring=LockedKeyring(), file_path=blocker / "c.cfg")
    assert store.backend_name == "memory"
    assert not store.needs_unlock


def test_memory_store_round_trip() -> None:
    store = CredentialStore.open(prefer="memory")
    assert store.backend_name == "memory"
    store.unlock("ignored")
    store.set("k", SecretStr(SECRET))
    got = store.get("k")
    assert got is not None
    assert got.get_secret_value() == SECRET
    assert SECRET not in repr(store)
    assert SECRET not in repr(got)
    assert SECRET not in str(got)
    store.delete("k")
    assert store.get("k") is None


def test_encrypted_file_round_trip(isolated_dirs: Path) -> None:
    path = isolated_dirs / "data" / "agent-tui" / "credentials.cfg"
    first = CredentialStore.open(prefer="file")
    assert first.backend_name == "encrypted file"
    assert first.is_new
    assert first.needs_unlock
    with pytest.raises(CredentialsLocked):
        first.get(sip_key("1001", "pbx"))
    with pytest.raises(CredentialsLocked):
        first.set(sip_key("1001", "pbx"), SecretStr(SECRET))
    with pytest.raises(WrongPassphrase):
        first.unlock("   ")
    first.unlock(SecretStr(PASSPHRASE))
    assert not first.needs_unlock
    assert path.is_file()
    first.set(sip_key("1001", "pbx"), SecretStr(SECRET))
    first.set(backend_key("agent01", "http://h"), SecretStr("tok-" + SECRET))
    first.delete(backend_key("agent01", "http://h"))

    second = CredentialStore.open(prefer="file")
    assert not second.is_new
    assert second.needs_unlock
    with pytest.raises(WrongPassphrase):
        second.unlock("wrong passphrase")
    assert second.needs_unlock
    with pytest.raises(CredentialsLocked):
        second.get(sip_key("1001", "pbx"))
    second.unlock(PASSPHRASE)
    got = second.get(sip_key("1001", "pbx"))
    assert got is not None
    assert got.get_secret_value() == SECRET
    assert second.get(backend_key("agent01", "http://h")) is None
    assert second.get("never-set") is None
    assert SECRET not in repr(second)
    assert PASSPHRASE not in repr(second)

    # Neither the secrets nor the passphrase are written anywhere in plain text.
    needles = [s.encode() for s in (SECRET, "tok-" + SECRET, PASSPHRASE)]
    needles += [s.encode("utf-16-le") for s in (SECRET, PASSPHRASE)]
    scanned = 0
    for file in isolated_dirs.rglob("*"):
        if file.is_file():
            scanned += 1
            content = file.read_bytes()
            assert not any(needle in content for needle in needles), file
    assert scanned >= 1
    assert path.stat().st_mode & 0o077 == 0
