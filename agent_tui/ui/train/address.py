"""Where a desk's softphone answers, so a simulated caller can ring it.

The rule (also in the README of trainer mode):
- with a registrar (`sip.mode = "registrar"`): the first account's address of record, routed through
  its first registrar: `sip:USER@REGISTRAR-HOST[:PORT]` (the registrar or proxy forwards the call to
  wherever the desk registered);
- without one (`listen`): the desk's own transport, `sip:USERNAME@HOST:PORT`, the host being
  `sip.public_address` when set (a desk behind NAT or listening on 0.0.0.0), else the address the
  engine reported when it started (its real port when the configured one was 0).
The desk announces this address to the backend (`PUT /v1/training/presence`) while in training status.
"""

from __future__ import annotations

import re

from agent_tui.config import Settings

_URI_HOST = re.compile(r"^sips?:(?:[^@;>]*@)?(?P<host>\[[^\]]+\]|[^;:>]+)(?::(?P<port>\d+))?")


def registrar_uri(settings: Settings) -> str | None:
    """The address of record through the registrar, or None in listen mode."""
    accounts = settings.sip.accounts
    if settings.sip.mode != "registrar" or not accounts:
        return None
    account = accounts[0]
    host = account.domain
    if account.registrars:
        match = _URI_HOST.match(str(account.registrars[0]))
        if match:
            host = match["host"] + (f":{match['port']}" if match["port"] else "")
    return f"sip:{account.user}@{host}"


def listen_uri(username: str, started_address: str, public_address: str | None = None) -> str:
    """The desk's own address in listen mode: `sip:username@host:port`."""
    host, _, port = started_address.rpartition(":")
    if public_address:
        public_host, _, public_port = public_address.rpartition(":")
        host = public_host or public_address
        port = public_port if public_host and public_port.isdigit() and public_port != "0" else port
    if host in ("0.0.0.0", "", "::"):  # noqa: S104 - a wildcard listener is not an address to dial
        host = "127.0.0.1"
    user = re.sub(r"[^A-Za-z0-9_.\-]", "", username) or "desk"
    return f"sip:{user}@{host}:{port}" if port else f"sip:{user}@{host}"
