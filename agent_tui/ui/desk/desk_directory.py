"""The desk's side of the desk directory (`agent_tui.sync.directory`): announce this desk when its phone
is up in listen mode, and turn a colleague's extension into the address their desk announced before a
transfer, consult or dial. With a registrar the desk has no directory and both do nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent_tui.sync.directory import is_sip_address
from agent_tui.ui.common.context import desk_app


def announce_desk(screen: Any, sip_uri: str | None) -> None:
    """Announce `sip_uri` (the desk's listening address) to the directory, in a worker."""
    directory = screen.services.directory
    if directory is None or not sip_uri:
        return

    async def work() -> None:
        await directory.announce(sip_uri)

    desk_app(screen).spawn(screen, work, "announcing this desk in the directory")


def resolve_then(screen: Any, target: str, then: Callable[[str], None]) -> None:
    """Call `then` with the address to dial for `target`: at once when there is no directory or `target`
    is already a SIP address, else once the directory answered (in a worker, back on the UI thread)."""
    directory = screen.services.directory
    if directory is None or is_sip_address(target):
        then(target)
        return

    async def work() -> None:
        then(await directory.resolve(target))

    desk_app(screen).spawn(screen, work, "looking up the colleague's desk")
