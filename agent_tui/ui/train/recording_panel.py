"""A panel that plays or exports a stored call's recording (the review and the model calls screens).

Both screens download the recording first (see `RecordingAccess`), keep the exported paths, and say in
their status line where the file went, what is playing, or why the recording was not fetched.
"""

from __future__ import annotations

from agent_tui.ui.common.text import clean
from agent_tui.ui.train.panel import TrainPanel
from agent_tui.ui.train.review_api import rejected_status
from agent_tui.ui.train.review_playback import RecordingAccess


class RecordingPanel(TrainPanel[None]):
    """A panel with a status line that plays or exports recordings through `RecordingAccess`."""

    def __init__(self) -> None:
        super().__init__()
        self.exported: list[str] = []
        """Paths recordings were exported to (tests read them)."""

    def _status(self, text: str) -> None:
        """Show `text` in the panel's status line."""
        raise NotImplementedError

    def _failed(self, error: Exception) -> None:
        if rejected_status(error) == 404:
            self._status(self.t.t("The recording is not on the server (yet)."))
        else:
            self._status(self.t.t("Recording not fetched: {detail}", detail=clean(str(error), 200)))

    def export_recording(self, access: RecordingAccess, call_id: str, prefix: str) -> None:
        """Download the recording of `call_id` into the export folder (in a worker) and show where."""

        async def work() -> None:
            try:
                path = await access.export(call_id, prefix)
            except Exception as error:
                self._failed(error)
                return
            self.exported.append(str(path))
            self._status(self.t.t("Exported to {path}", path=str(path)))

        self.run_worker(work(), exit_on_error=False)

    def play_recording(self, access: RecordingAccess, call_id: str, prefix: str, name: str) -> None:
        """Play the recording of `call_id`, called `name` on screen (exported first); without sound,
        say where the file is."""

        async def work() -> None:
            try:
                played = await access.play(call_id, prefix)
            except Exception as error:
                self._failed(error)
                return
            self.exported.append(str(played.path))
            if played.playing:
                self._status(self.t.t("Playing {call}", call=clean(name, 40)))
            else:
                self._status(self.t.t("No audio here: exported to {path}", path=str(played.path)))

        self.run_worker(work(), exit_on_error=False)
