"""Calls between desks with no registrar: a desk's extension resolved to the address its desk announced.

With a registrar the phone routes `1002` through it and this is not used. In listen mode (no registrar,
as in `agent-tui demo`) every desk announces its listening address to the backend once its phone is up
(`PUT /v1/directory/me`) and withdraws it when it closes; a desk transferring, consulting or dialling
asks the directory first (`GET /v1/directory`) and hands the phone the announced SIP address. A target
that is already a SIP address, or that no announced desk has as its extension or username, is passed on
unchanged (the phone then says why it cannot route it).
"""

from __future__ import annotations

import logging
from typing import Protocol

from agent_tui.domain.directory import DeskAddress, DirectoryEntry

log = logging.getLogger(__name__)


class DirectoryBackend(Protocol):
    """The backend calls the directory needs (`agent_tui.sync.client.BackendClient` has them)."""

    async def get_json(self, path: str) -> object:
        """GET `path`; the decoded JSON."""

    async def write_json(self, method: str, path: str, body: object = None) -> object:
        """A write to `path`; the decoded JSON (None for 204)."""


def is_sip_address(target: str) -> bool:
    """Whether `target` already names a SIP address (a URI, or `user@host`) the phone can call."""
    bare = target.strip().strip("<>")
    scheme = bare.split(":", 1)[0].lower() if ":" in bare else ""
    return scheme in ("sip", "sips", "tel") or "@" in bare


def find(entries: list[DirectoryEntry], target: str) -> str | None:
    """The announced address of the desk whose extension, else username, is `target`."""
    wanted = target.strip()
    for entry in entries:
        if entry.extension and entry.extension == wanted:
            return entry.sip_uri
    for entry in entries:
        if entry.username == wanted:
            return entry.sip_uri
    return None


class DeskDirectory:
    """The directory as one desk uses it: announce this desk, resolve colleagues' extensions."""

    def __init__(self, backend: DirectoryBackend) -> None:
        self.backend = backend
        self.announced: str | None = None
        """The address this desk announced last (None: not announced, or withdrawn)."""

    async def announce(self, sip_uri: str) -> None:
        """Say where this desk answers."""
        await self.backend.write_json("PUT", "/v1/directory/me", DeskAddress(sip_uri=sip_uri).model_dump())
        self.announced = sip_uri

    async def withdraw(self) -> None:
        """This desk is closing: its extension stops resolving to it."""
        if self.announced is not None:
            await self.backend.write_json("DELETE", "/v1/directory/me")
            self.announced = None

    async def entries(self) -> list[DirectoryEntry]:
        """Every announced desk, as the backend has them now."""
        data = await self.backend.get_json("/v1/directory")
        return [DirectoryEntry.model_validate(item) for item in data] if isinstance(data, list) else []

    async def resolve(self, target: str) -> str:
        """The SIP address to call for `target`: the announced desk of that extension or username, else
        `target` itself. Asked fresh each time: desks come and go, and a transfer is rare."""
        if is_sip_address(target):
            return target
        try:
            found = find(await self.entries(), target)
        except Exception as error:  # the phone's own message then says the target cannot be routed
            log.warning("directory lookup of %r failed: %s", target, error)
            return target
        return found or target
