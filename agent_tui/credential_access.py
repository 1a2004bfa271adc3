"""The credential store as the apps use it: opened lazily from any thread, secrets named by purpose."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

from pydantic import SecretStr

from agent_tui.config import Settings

if TYPE_CHECKING:
    from agent_tui.credentials import CredentialStore


class Credentials(Protocol):
    """What the desk uses of a `CredentialStore`."""

    @property
    def needs_unlock(self) -> bool:
        """True while the encrypted file waits for its passphrase."""
        ...

    @property
    def is_new(self) -> bool:
        """True when the encrypted file does not exist yet (unlocking creates it)."""
        ...

    def unlock(self, passphrase: str | SecretStr) -> None:
        """Open the encrypted file; raises WrongPassphrase."""
        ...

    def get(self, service_key: str) -> SecretStr | None:
        """The secret under `service_key`."""
        ...

    def set(self, service_key: str, secret: SecretStr) -> None:
        """Store `secret` under `service_key`."""
        ...


class LazyCredentials:
    """The credential store, opened on first use (from any thread).

    Importing `keyring` and probing the stores costs ~0.2 s; a desk given its password by the
    environment, taking calls without a registrar, needs neither before it is ready (or at all).
    """

    def __init__(self) -> None:
        self._store: CredentialStore | None = None
        self._opening = threading.Lock()

    @property
    def store(self) -> CredentialStore:
        """The opened store."""
        with self._opening:
            if self._store is None:
                from agent_tui.credentials import CredentialStore

                self._store = CredentialStore.open()
            return self._store

    @property
    def needs_unlock(self) -> bool:
        """True while the encrypted file waits for its passphrase."""
        return self.store.needs_unlock

    @property
    def is_new(self) -> bool:
        """True when the encrypted file does not exist yet (unlocking creates it)."""
        return self.store.is_new

    def unlock(self, passphrase: str | SecretStr) -> None:
        """Open the encrypted file; raises WrongPassphrase."""
        self.store.unlock(passphrase)

    def get(self, service_key: str) -> SecretStr | None:
        """The secret under `service_key`."""
        return self.store.get(service_key)

    def set(self, service_key: str, secret: SecretStr) -> None:
        """Store `secret` under `service_key`."""
        self.store.set(service_key, secret)


class StoreSecrets:
    """`SecretKeeper` over the `CredentialStore`; `sip-password` is the first SIP account's password."""

    def __init__(self, store: Credentials, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def _key(self, name: str) -> str:
        from agent_tui.credentials import sip_key

        accounts = self.settings.sip.accounts
        if name == "sip-password" and accounts:
            return sip_key(accounts[0].user, accounts[0].domain)
        return name

    def needs_passphrase(self) -> bool:
        """Whether the encrypted file is locked."""
        return self.store.needs_unlock

    def passphrase_is_new(self) -> bool:
        """Whether unlocking creates the encrypted file."""
        return self.store.is_new

    def unlock(self, passphrase: SecretStr) -> bool:
        """Open the encrypted file."""
        from agent_tui.credentials import WrongPassphrase

        try:
            self.store.unlock(passphrase)
        except WrongPassphrase:
            return False
        return True

    def get(self, name: str) -> SecretStr | None:
        """A stored secret."""
        try:
            return self.store.get(self._key(name))
        except Exception:
            return None

    def set(self, name: str, value: SecretStr) -> None:
        """Remember a secret."""
        self.store.set(self._key(name), value)
