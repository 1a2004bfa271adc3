"""The desk directory: where each desk's softphone answers, for calls between desks without a registrar.

With a registrar (a PBX), an extension such as `1002` is routed by the registrar and nobody needs this.
Without one (every desk listening on its own address, as in `agent-tui demo`), a desk announces its
listening address at start-up (`PUT /v1/directory/me`), and a desk transferring, consulting or dialling
`1002` asks the directory which address the desk of the agent with that extension announced.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from agent_tui.domain.base import Model

SIP_URI_PATTERN = r"^sips?:[^\s<>\"]{1,250}$"


class DeskAddress(Model):
    """Body of `PUT /v1/directory/me`: the SIP address the caller's own desk answers on."""

    sip_uri: str = Field(pattern=SIP_URI_PATTERN, max_length=256,
                         description="The desk's listening address, e.g. `sip:agent02@127.0.0.1:5071`.")


class DirectoryEntry(Model):
    """A desk that announced its address, with the agent's extension (what colleagues dial)."""

    username: str
    display_name: str = ""
    extension: str | None = None
    sip_uri: str = Field(pattern=SIP_URI_PATTERN, max_length=256)
    since: datetime
