"""The desk's survey token: `POST /v1/calls/{call_id}/survey-token`, asked for just before the desk sends
its caller to the keypad survey (the token travels with the transfer; see `agent_tui.server.survey_tokens`).

Kept out of `BackendClient` (already the whole contract's home), as `desk_orders` is.
"""

from __future__ import annotations

from urllib.parse import quote

from pydantic import ValidationError

from agent_tui.domain.voice import SurveyToken
from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendProtocolError


class BackendSurveyTokens:
    """Survey tokens for this desk's own calls, over one logged-in `BackendClient`."""

    def __init__(self, client: BackendClient) -> None:
        self.client = client

    async def survey_token(self, call_id: str) -> SurveyToken:
        """A token that lets the survey score `call_id` (`BackendRejected` 403/404: not this desk's call)."""
        data = await self.client.write_json("POST", f"/v1/calls/{quote(call_id, safe='')}/survey-token")
        try:
            return SurveyToken.model_validate(data)
        except ValidationError as exc:
            raise BackendProtocolError(f"survey token: the backend's answer does not fit the contract "
                                       f"({exc.error_count()} errors)") from exc
