"""The voice service's writes to the backend: scores and voicemails, sent by one thread, retried.

The service's call loop never waits on the network: it hands a job over and goes on. A job is retried
with a growing pause (up to `MAX_PAUSE_S`) while the backend is unreachable or answers 5xx; an expired
token is renewed by logging in again. A 4xx answer other than 401 means the backend refuses the data
itself (a 409 for a call already scored differently): it is logged and dropped, as retrying cannot
change it. Jobs still unsent at stop are written to `spool` (JSON lines, the voicemail WAVs stay in
their folder) and sent first at the next start, so a restart loses nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

log = logging.getLogger(__name__)

MAX_PAUSE_S = 30.0
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ScoreJob:
    """`POST /v1/calls/{record_id}/satisfaction`."""

    record_id: str
    score: int
    method: str
    token: str = ""
    """The survey token the transfer carried (a spool written before tokens has none: refused, dropped)."""


@dataclass(frozen=True)
class VoicemailJob:
    """`PUT /v1/voicemails/{voicemail_id}` with the WAV at `path`."""

    voicemail_id: str
    path: str
    number: str
    queue: str | None
    left_at: str


Job = ScoreJob | VoicemailJob
Report = Callable[[str, dict[str, Any]], None]
"""(event name, fields): what happened to a job, for the service's event lines."""


class Uploader:
    """Sends jobs to the backend from its own thread (see the module docstring)."""

    def __init__(self, base_url: str, username: str, password: SecretStr, spool: Path, report: Report,
                 *, transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.spool = spool
        self.report = report
        self._client = httpx.Client(base_url=self.base_url, timeout=TIMEOUT_S, transport=transport)
        self._token: str | None = None
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.pending: list[Job] = []
        """Jobs not yet sent (the one being tried included)."""
        self._lock = threading.Lock()

    def start(self) -> None:
        """Load the spool and start sending."""
        for job in self._load_spool():
            self.put(job)
        self._thread = threading.Thread(target=self._run, name="voice-uploads", daemon=True)
        self._thread.start()

    def put(self, job: Job) -> None:
        """Queue a job (thread-safe)."""
        with self._lock:
            self.pending.append(job)
        self._jobs.put(job)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the job being sent; spool what is left."""
        self._stop.set()
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            left = list(self.pending)
        self._save_spool(left)
        self._client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            job = self._jobs.get()
            if job is None:
                return
            pause = 1.0
            while not self._stop.is_set():
                outcome = self._send(job)
                if outcome != "retry":
                    with self._lock, contextlib.suppress(ValueError):
                        self.pending.remove(job)
                    break
                self._stop.wait(pause)
                pause = min(pause * 2, MAX_PAUSE_S)

    def _send(self, job: Job) -> str:
        """One try: `done`, `dropped` or `retry`."""
        try:
            response = self._request(job)
            if response.status_code == 401:
                self._token = None
                response = self._request(job)
        except (httpx.HTTPError, OSError) as exc:
            self.report("upload_retry", {"job": _name(job), "error": str(exc)[:200]})
            return "retry"
        if response.status_code < 300:
            if isinstance(job, VoicemailJob):
                # The backend keeps it now: no second copy of a caller's voice stays on this host.
                Path(job.path).unlink(missing_ok=True)
            self.report("stored", {"job": _name(job), "status": response.status_code, **_fields(job)})
            return "done"
        if response.status_code >= 500 or response.status_code in (401, 429):
            self.report("upload_retry", {"job": _name(job), "status": response.status_code})
            return "retry"
        self.report("upload_refused", {"job": _name(job), "status": response.status_code,
                                       "detail": response.text[:300], **_fields(job)})
        return "dropped"

    def _request(self, job: Job) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._login()}"}
        if isinstance(job, ScoreJob):
            score = {"score": job.score, "method": job.method, "token": job.token or None}
            return self._client.post(f"/v1/calls/{job.record_id}/satisfaction", json=score, headers=headers)
        params = {"number": job.number, "left_at": job.left_at}
        if job.queue:
            params["queue"] = job.queue
        try:
            body = Path(job.path).read_bytes()
        except FileNotFoundError:
            return httpx.Response(410, text=f"{job.path} is gone")  # nothing left to send: dropped
        return self._client.put(f"/v1/voicemails/{job.voicemail_id}", params=params, content=body,
                                headers={**headers, "Content-Type": "audio/wav"})

    def _login(self) -> str:
        if self._token is None:
            answer = self._client.post("/v1/sessions", json={
                "username": self.username, "password": self._password.get_secret_value()})
            if answer.status_code != 201:
                raise httpx.HTTPError(f"login as {self.username} answered {answer.status_code}")
            self._token = str(answer.json()["token"])
        return self._token

    def _load_spool(self) -> list[Job]:
        if not self.spool.is_file():
            return []
        jobs: list[Job] = []
        for line in self.spool.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError, TypeError, KeyError):
                data = json.loads(line)
                kind = data.pop("kind")
                jobs.append(ScoreJob(**data) if kind == "score" else VoicemailJob(**data))
        self.spool.unlink()
        return jobs

    def _save_spool(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        self.spool.parent.mkdir(parents=True, exist_ok=True)
        with self.spool.open("a", encoding="utf-8") as out:
            for job in jobs:
                out.write(json.dumps({"kind": _name(job), **asdict(job)}) + "\n")
        self.report("spooled", {"count": len(jobs), "path": str(self.spool)})


def _name(job: Job) -> str:
    return "score" if isinstance(job, ScoreJob) else "voicemail"


def _fields(job: Job) -> dict[str, Any]:
    if isinstance(job, ScoreJob):
        return {"record_id": job.record_id, "score": job.score}
    return {"voicemail_id": job.voicemail_id, "number": job.number}


