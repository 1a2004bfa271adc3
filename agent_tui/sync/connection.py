"""How the backend client connects: the time allowed for each phase of a request, and its TLS context."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed for each phase of a request; none is unbounded."""

    connect: float = 3.0
    read: float = 10.0
    write: float = 10.0
    pool: float = 5.0

    def to_httpx(self) -> httpx.Timeout:
        """The same limits as an `httpx.Timeout`."""
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


def tls_for(base_url: str, *, verify: bool, ca_file: Path | None) -> ssl.SSLContext | bool:
    """The TLS context of a client of `base_url`: verified by default, against `ca_file` when given."""
    if not verify:
        return False
    if ca_file is not None:
        return ssl.create_default_context(cafile=str(ca_file))
    if base_url.lower().startswith("http://"):
        # Plain http makes no TLS connection (every request is a path under base_url and
        # redirects are not followed): the CA bundle would cost 1.2 MB and ~20 ms at each start.
        # A context that trusts no one fails closed should TLS ever be met.
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # One context for both of ThreadedTransport's pools: the CA bundle is loaded once.
    return httpx.create_ssl_context(verify=True)
