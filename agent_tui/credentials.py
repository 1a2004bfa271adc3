"""Where secrets live: the OS keyring, else an encrypted file, else memory for the session.

The SIP password and the backend token never go into the config file, a log or a repr.
`CredentialStore.open()` picks the first backend that works:

1. the OS keyring (Secret Service, KWallet, macOS Keychain, Windows Credential Locker) when it answers a
   harmless lookup;
2. an encrypted file (`keyrings.cryptfile`: Argon2 key derivation, AES-GCM) at `data_dir()/credentials.cfg`,
   locked until `unlock(passphrase)` is called with the passphrase the TUI asked for;
3. memory, forgotten when the program ends.

The encrypted file's own terminal prompt (`getpass`) is disabled: the TUI owns the terminal. Key
derivation takes about a second, so call `unlock`, `get` and `set` of a file store from a worker thread.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Literal, Protocol

import keyring
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringError, PasswordDeleteError
from pydantic import SecretStr

from agent_tui import paths
from agent_tui.private_files import make_private

SERVICE = "agent-tui"
"""Service name under which every secret is filed in the keyring."""
CREDENTIALS_FILE = "credentials.cfg"
"""Name of the encrypted file in the data dir."""
_OS_KEYRING_MODULES = frozenset(
    {
        "keyring.backends.SecretService",
        "keyring.backends.libsecret",
        "keyring.backends.kwallet",
        "keyring.backends.macOS",
        "keyring.backends.Windows",
    }
)
"""Keyring backends that are the operating system's own store (never a file that would prompt)."""

Preference = Literal["auto", "keyring", "file", "memory"]

log = logging.getLogger(__name__)


class CredentialError(Exception):
    """The credential store could not do what was asked (the message never holds a secret)."""


class CredentialsLocked(CredentialError):
    """The encrypted file is locked: ask for the passphrase and call `unlock`."""


class WrongPassphrase(CredentialError):
    """The passphrase does not open the encrypted file."""


def sip_key(user: str, domain: str) -> str:
    """Key of the password of the SIP account `user@domain`."""
    return f"sip:{user}@{domain}"


def backend_key(username: str, url: str) -> str:
    """Key of a backend user's password or token at the backend `url`."""
    return f"backend:{username}@{url.rstrip('/')}"


class _Backend(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def needs_unlock(self) -> bool: ...

    def unlock(self, passphrase: str) -> None: ...
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, secret: str) -> None: ...
    def delete(self, key: str) -> None: ...


class _MemoryBackend:
    """Secrets for this session only."""

    name = "memory"
    needs_unlock = False

    def __init__(self) -> None:
        self._secrets: dict[str, SecretStr] = {}

    def unlock(self, passphrase: str) -> None:
        """Nothing to unlock."""

    def get(self, key: str) -> str | None:
        secret = self._secrets.get(key)
        return secret.get_secret_value() if secret is not None else None

    def set(self, key: str, secret: str) -> None:
        self._secrets[key] = SecretStr(secret)

    def delete(self, key: str) -> None:
        self._secrets.pop(key, None)


class _KeyringBackend:
    """The OS keyring, through the `keyring` package."""

    needs_unlock = False

    def __init__(self, backend: KeyringBackend) -> None:
        self._backend = backend
        self.name = f"keyring ({type(backend).__module__.rsplit('.', 1)[-1]})"

    def unlock(self, passphrase: str) -> None:
        """The OS unlocks its keyring itself."""

    def get(self, key: str) -> str | None:
        try:
            return self._backend.get_password(SERVICE, key)
        except KeyringError as exc:
            raise CredentialError(f"the OS keyring failed to read {key!r}: {type(exc).__name__}") from None

    def set(self, key: str, secret: str) -> None:
        try:
            self._backend.set_password(SERVICE, key, secret)
        except KeyringError as exc:
            raise CredentialError(f"the OS keyring failed to store {key!r}: {type(exc).__name__}") from None

    def delete(self, key: str) -> None:
        try:
            self._backend.delete_password(SERVICE, key)
        except PasswordDeleteError:
            return
        except KeyringError as exc:
            raise CredentialError(f"the OS keyring failed to delete {key!r}: {type(exc).__name__}") from None


def _crypt_file_class() -> type[Any]:
    """CryptFileKeyring with its terminal prompts replaced by errors."""
    from keyrings.cryptfile.cryptfile import CryptFileKeyring

    class _NoPromptCryptFile(CryptFileKeyring):  # type: ignore[misc]
        # cryptfile calls getpass() when no key is set; the TUI owns the terminal, so refuse instead.
        def _get_new_password(self) -> str:
            raise CredentialsLocked("the credential file is locked")

        def _unlock(self) -> None:
            if self._keyring_key is None:
                raise CredentialsLocked("the credential file is locked")
            super()._unlock()

    return _NoPromptCryptFile


class _FileBackend:
    """An encrypted file; locked until `unlock`. Decrypted values are cached for the session."""

    name = "encrypted file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._keyring = _crypt_file_class()()
        self._keyring.file_path = str(path)
        self._unlocked = False
        self._cache: dict[str, SecretStr | None] = {}
        self._lock = threading.Lock()

    @property
    def needs_unlock(self) -> bool:
        return not self._unlocked

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def unlock(self, passphrase: str) -> None:
        if not passphrase.strip():
            raise WrongPassphrase("the passphrase must not be blank")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                # Setting the key checks it against the file's reference value, or creates the file.
                self._keyring.keyring_key = passphrase
                make_private(self.path)
            except CredentialError:
                self._keyring._keyring_key = None
                raise
            except (ValueError, AssertionError):
                # cryptfile keeps a wrong key after a failed check (AES-GCM raises ValueError): drop it.
                self._keyring._keyring_key = None
                raise WrongPassphrase("wrong passphrase for the credential file") from None
            self._unlocked = True

    def _require_unlocked(self) -> None:
        if not self._unlocked:
            raise CredentialsLocked("the credential file is locked: unlock it with its passphrase")

    def get(self, key: str) -> str | None:
        with self._lock:
            self._require_unlocked()
            if key not in self._cache:
                try:
                    value = self._keyring.get_password(SERVICE, key)
                except (ValueError, OSError) as exc:
                    raise CredentialError(f"cannot read {key!r} from the credential file: {exc}") from None
                self._cache[key] = SecretStr(value) if value is not None else None
            cached = self._cache[key]
            return cached.get_secret_value() if cached is not None else None

    def set(self, key: str, secret: str) -> None:
        with self._lock:
            self._require_unlocked()
            try:
                self._keyring.set_password(SERVICE, key, secret)
                make_private(self.path)
            except (ValueError, OSError) as exc:
                raise CredentialError(f"cannot write {key!r} to the credential file: {exc}") from None
            self._cache[key] = SecretStr(secret)

    def delete(self, key: str) -> None:
        with self._lock:
            self._require_unlocked()
            try:
                self._keyring.delete_password(SERVICE, key)
            except PasswordDeleteError:
                pass
            except OSError as exc:
                raise CredentialError(f"cannot delete {key!r} from the credential file: {exc}") from None
            self._cache[key] = None


class CredentialStore:
    """Secrets by key (see `sip_key`, `backend_key`), in the best store this machine offers."""

    def __init__(self, backend: _Backend) -> None:
        self._backend = backend

    @classmethod
    def open(
        cls,
        *,
        prefer: Preference = "auto",
        os_keyring: KeyringBackend | None = None,
        file_path: Path | None = None,
    ) -> CredentialStore:
        """The first store that works, in the order OS keyring, encrypted file, memory.

        `prefer` skips the earlier ones ("file" never tries the keyring; "memory" uses memory).
        `os_keyring` replaces the keyring `keyring` would choose (tests); `file_path` the file location.
        """
        if prefer in ("auto", "keyring"):
            found = _probe(os_keyring) if os_keyring is not None else _os_keyring()
            if found is not None:
                return cls(_KeyringBackend(found))
            log.info("no OS keyring answers; trying the encrypted credential file")
        if prefer in ("auto", "keyring", "file"):
            path = file_path if file_path is not None else default_file()
            if path is not None and _file_usable(path):
                return cls(_FileBackend(path))
            log.info("the encrypted credential file is not usable; secrets are kept in memory")
        return cls(_MemoryBackend())

    @classmethod
    def in_memory(cls) -> CredentialStore:
        """A store that forgets everything when the program ends."""
        return cls(_MemoryBackend())

    @property
    def backend_name(self) -> str:
        """Which store is in use, for the UI: "keyring (SecretService)", "encrypted file" or "memory"."""
        return self._backend.name

    @property
    def needs_unlock(self) -> bool:
        """True while the encrypted file waits for its passphrase."""
        return self._backend.needs_unlock

    @property
    def is_new(self) -> bool:
        """True when the encrypted file does not exist yet: `unlock` will create it with that passphrase
        (so the UI should ask for it twice)."""
        return isinstance(self._backend, _FileBackend) and not self._backend.exists

    def unlock(self, passphrase: str | SecretStr) -> None:
        """Open the encrypted file (a no-op for the other stores). Raises WrongPassphrase."""
        text = passphrase.get_secret_value() if isinstance(passphrase, SecretStr) else passphrase
        self._backend.unlock(text)

    def get(self, service_key: str) -> SecretStr | None:
        """The secret stored under `service_key`, or None. Raises CredentialsLocked when locked."""
        value = self._backend.get(service_key)
        return SecretStr(value) if value is not None else None

    def set(self, service_key: str, secret: SecretStr) -> None:
        """Store `secret` under `service_key`, replacing any earlier one."""
        self._backend.set(service_key, secret.get_secret_value())

    def delete(self, service_key: str) -> None:
        """Forget the secret under `service_key` (no error when there is none)."""
        self._backend.delete(service_key)

    def __repr__(self) -> str:
        state = "locked" if self.needs_unlock else "open"
        return f"<CredentialStore {self.backend_name} {state}>"


def default_file() -> Path | None:
    """Where the encrypted credential file lives (None when the data dir cannot be made)."""
    try:
        return paths.data_dir() / CREDENTIALS_FILE
    except OSError:
        return None


def _file_usable(path: Path) -> bool:
    """The encrypted file backend has its crypto libraries and a writable folder."""
    try:
        _crypt_file_class().priority  # noqa: B018 - raises RuntimeError when argon2 or AES is missing
    except (ImportError, RuntimeError):
        return False
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return False
    return os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.R_OK | os.W_OK))


def _os_keyring() -> KeyringBackend | None:
    """The OS keyring that `keyring` chose, if it is a real one and it answers."""
    try:
        chosen = keyring.get_keyring()
    except Exception:
        # A broken keyring setup just means "no keyring".
        return None
    candidates = chosen.backends if isinstance(chosen, ChainerBackend) else [chosen]
    for candidate in candidates:
        # File-based keyrings (keyrings.alt, cryptfile) would prompt on the terminal: OS stores only.
        if type(candidate).__module__ in _OS_KEYRING_MODULES and _probe(candidate) is not None:
            return candidate
    return None


def _probe(backend: KeyringBackend) -> KeyringBackend | None:
    """`backend` if a harmless lookup succeeds."""
    try:
        backend.get_password(SERVICE, "probe")
    except Exception as exc:
        log.info("keyring %s does not answer: %s", type(backend).__name__, type(exc).__name__)
        return None
    return backend
