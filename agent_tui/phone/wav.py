"""Facts about the WAV files pjmedia's recorders write."""

from __future__ import annotations

from pathlib import Path


def wav_finished(path: Path) -> bool:
    """True once a recorder has closed its WAV: the RIFF length in the header matches the file size.

    pjmedia writes a zero length at creation and the real one when the port is destroyed, which the
    conference bridge does asynchronously (on its clock thread), a few milliseconds after we drop it.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            size = path.stat().st_size
    except OSError:
        return True  # nothing more will happen to it: report what we have
    return len(head) == 8 and head[:4] == b"RIFF" and int.from_bytes(head[4:8], "little") == size - 8
