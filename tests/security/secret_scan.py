"""Looking for secrets in files: plain, URL-encoded and base64, and bearer tokens known only by hash.

The backend keeps only the SHA-256 of a bearer token, so the desk's token cannot be searched for
directly: every token-shaped string in a file (and in every base64 run decoded) is hashed instead and
compared with the hashes in the backend's `tokens` table.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote, unquote_plus

_TOKEN = re.compile(rb"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
"""`secrets.token_urlsafe(32)`: 43 URL-safe base64 characters."""
_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/_-]{16,}={0,2}")


def encodings(secret: str) -> dict[str, bytes]:
    """The forms of `secret` to look for, by name."""
    raw = secret.encode()
    return {
        "plain": raw,
        "url-encoded": quote(secret, safe="").encode(),
        "form-encoded": quote_plus(secret).encode(),
        "base64": base64.b64encode(raw).rstrip(b"="),
        "base64url": base64.urlsafe_b64encode(raw).rstrip(b"="),
    }


def decoded_base64_runs(data: bytes) -> Iterator[bytes]:
    """What every base64-looking run in `data` decodes to, tried at each of the four alignments."""
    for match in _BASE64_RUN.finditer(data):
        run = match.group().rstrip(b"=").replace(b"-", b"+").replace(b"_", b"/")
        for start in range(4):
            chunk = run[start:]
            if len(chunk) % 4 == 1:
                chunk = chunk[:-1]  # one character alone encodes no whole byte
            chunk += b"=" * (-len(chunk) % 4)
            if len(chunk) < 8:
                continue
            try:
                yield base64.b64decode(chunk, validate=True)
            except (binascii.Error, ValueError):
                continue


def url_decoded(data: bytes) -> bytes:
    """`data` with %XX and + decoded (so a secret split by encoding is found whole)."""
    text = data.decode("latin-1")
    return unquote_plus(unquote(text, encoding="latin-1"), encoding="latin-1").encode("latin-1")


@dataclass(frozen=True)
class Finding:
    """A secret found: which one, in which form, where."""

    secret: str
    form: str
    where: str

    def __str__(self) -> str:
        return f"{self.secret} ({self.form}) in {self.where}"


@dataclass
class Scanner:
    """Known secrets by label, and token hashes by label; counts what it read."""

    secrets: dict[str, str] = field(default_factory=dict)
    token_hashes: dict[str, set[str]] = field(default_factory=dict)
    files_read: list[Path] = field(default_factory=list)
    bytes_read: int = 0

    def scan_bytes(self, data: bytes, where: str) -> list[Finding]:
        """Every known secret and known token in `data`, in any of the forms."""
        self.bytes_read += len(data)
        found: list[Finding] = []
        views = [("", data)]
        unescaped = url_decoded(data)
        if unescaped != data:
            views.append(("url-decoded ", unescaped))
        views.extend(("base64-decoded ", decoded) for decoded in decoded_base64_runs(data))
        for label, secret in self.secrets.items():
            for form, needle in encodings(secret).items():
                if needle in data:
                    found.append(Finding(label, form, where))
            for view, text in views[1:]:
                if secret.encode() in text:
                    found.append(Finding(label, view.strip(), where))
        for view, text in views:
            for candidate in _TOKEN.findall(text):
                digest = hashlib.sha256(candidate).hexdigest()
                for label, hashes in self.token_hashes.items():
                    if digest in hashes:
                        found.append(Finding(label, f"{view}token", where))
        return sorted(set(found), key=str)

    def scan_file(self, path: Path) -> list[Finding]:
        """Scan one file (any content; SQLite and WAV files too)."""
        self.files_read.append(path)
        return self.scan_bytes(path.read_bytes(), str(path))

    def scan_paths(self, paths: Iterable[Path]) -> list[Finding]:
        """Scan files and every file under folders (following no symlinks)."""
        found: list[Finding] = []
        for path in paths:
            if path.is_file() and not path.is_symlink():
                found.extend(self.scan_file(path))
            elif path.is_dir():
                for child in sorted(path.rglob("*")):
                    if child.is_file() and not child.is_symlink():
                        found.extend(self.scan_file(child))
        return found
