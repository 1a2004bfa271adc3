"""The demo's two desks (agent01 in front, the colleague agent02 headless) listen with no PBX, so they find
each other through the desk directory, and both record their calls."""

from __future__ import annotations

from agent_tui.demo.colleague import colleague_settings
from agent_tui.demo.run import desk_settings
from agent_tui.sync.client import BackendClient
from agent_tui.ui.desk.launch import desk_directory


async def test_both_demo_desks_record_and_use_the_directory() -> None:
    url = "http://127.0.0.1:9"
    client = BackendClient(url)
    try:
        for settings in (desk_settings(url, 5071), colleague_settings(url, 5072)):
            assert settings.recording.enabled
            assert settings.sip.mode == "listen"
            assert desk_directory(settings, client, phone=object()) is not None
        plain = desk_settings(url, 5071)
        registrar = plain.model_validate({**plain.model_dump(), "sip": {
            "mode": "registrar", "accounts": [{"user": "1001", "domain": "pbx.example",
                                               "registrars": ["sip:pbx.example"]}]}})
        assert desk_directory(registrar, client, phone=object()) is None
    finally:
        await client.aclose()
