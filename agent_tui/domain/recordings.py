"""Call recordings and their QA scores, as the supervisor's contract has them.

Endpoints (all under the reference backend):
- `PUT /v1/recordings/{call_id}` (WAV body), `GET /v1/recordings`, `GET /v1/recordings/{call_id}/audio`.
- `PUT /v1/qa/{call_id}` [supervisor] body `QaScoreInput` → `QaScore`; `GET /v1/qa`.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from agent_tui.domain.base import LongText, Model


class Recording(Model):
    """A stored call recording (WAV)."""

    call_id: str
    agent: str | None = None
    queue: str | None = None
    customer_id: int | None = None
    number: str = ""
    started_at: datetime | None = None
    duration_s: float = Field(ge=0)
    size: int = Field(ge=0)
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    training: bool = Field(default=False, description="A training call's recording (kept out of searches "
                                                      "unless asked for, never in KPIs).")
    model_call: bool = Field(default=False, description="Marked as a model call for trainees.")


QA_ITEMS: dict[str, int] = {
    "voice": 10,
    "manner": 15,
    "speed": 10,
    "service_skill": 20,
    "business_knowledge": 20,
    "customer_satisfaction": 15,
    "call_length": 10,
}
"""The seven QA items and the most points each may give; they add up to 100."""


class QaScoreInput(Model):
    """Body of `PUT /v1/qa/{call_id}`: points per item (each at most its `QA_ITEMS` maximum)."""

    voice: int = Field(ge=0, le=QA_ITEMS["voice"])
    manner: int = Field(ge=0, le=QA_ITEMS["manner"])
    speed: int = Field(ge=0, le=QA_ITEMS["speed"])
    service_skill: int = Field(ge=0, le=QA_ITEMS["service_skill"])
    business_knowledge: int = Field(ge=0, le=QA_ITEMS["business_knowledge"])
    customer_satisfaction: int = Field(ge=0, le=QA_ITEMS["customer_satisfaction"])
    call_length: int = Field(ge=0, le=QA_ITEMS["call_length"])
    comment: LongText = ""

    def total(self) -> int:
        """The sum of the seven items (0-100)."""
        return sum(int(getattr(self, name)) for name in QA_ITEMS)


class QaScore(QaScoreInput):
    """A stored QA score of one call."""

    call_id: str
    agent: str | None = None
    scorer: str
    scored_at: datetime
    total_points: int = Field(ge=0, le=100)
