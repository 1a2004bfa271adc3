"""Resolving a colleague's extension through the desk directory (no registrar): by extension, then
username; SIP addresses and unknown targets pass through unchanged; a failed lookup does not stop a call."""

from __future__ import annotations

from datetime import UTC, datetime

from agent_tui.sync.directory import DeskDirectory, is_sip_address

AT = datetime(2026, 12, 5, 9, 0, tzinfo=UTC).isoformat()


class Backend:
    """The directory's backend calls in memory."""

    def __init__(self, entries: list[dict[str, object]], *, broken: bool = False) -> None:
        self.entries = entries
        self.broken = broken
        self.writes: list[tuple[str, str, object]] = []
        self.reads = 0

    async def get_json(self, path: str) -> object:
        assert path == "/v1/directory"
        self.reads += 1
        if self.broken:
            raise ConnectionError("backend down")
        return self.entries

    async def write_json(self, method: str, path: str, body: object = None) -> object:
        self.writes.append((method, path, body))
        return None


ENTRIES: list[dict[str, object]] = [
    {"username": "agent02", "display_name": "Li Na", "extension": "1002",
     "sip_uri": "sip:agent02@127.0.0.1:5072", "since": AT},
    {"username": "1003", "display_name": "", "extension": None, "sip_uri": "sip:x@127.0.0.1:5073",
     "since": AT},
]


def test_sip_addresses_are_told_apart_from_extensions() -> None:
    for address in ("sip:1002@pbx", "<sips:a@b>", "1002@pbx", "tel:+8613900000001"):
        assert is_sip_address(address), address
    for target in ("1002", "agent02"):
        assert not is_sip_address(target), target


async def test_an_extension_resolves_to_the_announced_desk() -> None:
    directory = DeskDirectory(Backend(ENTRIES))
    assert await directory.resolve("1002") == "sip:agent02@127.0.0.1:5072"
    assert await directory.resolve("agent02") == "sip:agent02@127.0.0.1:5072"
    assert await directory.resolve("1003") == "sip:x@127.0.0.1:5073"
    assert await directory.resolve("1009") == "1009"


async def test_sip_addresses_skip_the_backend_and_a_dead_backend_passes_the_target_on() -> None:
    backend = Backend(ENTRIES)
    assert await DeskDirectory(backend).resolve("sip:1002@pbx.example") == "sip:1002@pbx.example"
    assert backend.reads == 0
    assert await DeskDirectory(Backend(ENTRIES, broken=True)).resolve("1002") == "1002"


async def test_announce_then_withdraw_once() -> None:
    backend = Backend([])
    directory = DeskDirectory(backend)
    await directory.withdraw()
    assert backend.writes == []
    await directory.announce("sip:agent01@127.0.0.1:5071")
    await directory.withdraw()
    await directory.withdraw()
    assert backend.writes == [("PUT", "/v1/directory/me", {"sip_uri": "sip:agent01@127.0.0.1:5071"}),
                              ("DELETE", "/v1/directory/me", None)]
