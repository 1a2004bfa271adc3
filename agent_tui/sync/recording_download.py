"""Downloading a call's recording to a file over the shared `BackendClient`.

The supervisor's monitor and the trainer's console both fetch recordings this way, so a half-written
file is never left where a player or a user would pick it up.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from agent_tui.private_files import private_folder, write_private
from agent_tui.sync.client import BackendClient
from agent_tui.sync.responses import raise_for_status


async def download_recording(client: BackendClient, call_id: str, target: Path) -> Path:
    """`GET /v1/recordings/{call_id}/audio` into `target` (written whole, then renamed into place)."""
    response = await client.send("GET", f"/v1/recordings/{quote(call_id, safe='')}/audio",
                                 headers={"Accept": "audio/wav"})
    raise_for_status(response)
    private_folder(target.parent)
    partial = target.with_name(target.name + ".part")
    write_private(partial, response.content)
    partial.replace(target)
    return target
