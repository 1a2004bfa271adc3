"""An incremental parser of the Server-Sent Events wire format (the WHATWG "event stream").

Fed text in chunks of any size, it returns each complete message. Lines end in LF, CRLF or a lone
CR (a CR at the end of one chunk and an LF at the start of the next are one line end).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_END = re.compile(r"\r\n|\r|\n")
"""A line end: CRLF, a lone CR or LF (CRLF first: one line end, not two)."""


@dataclass(frozen=True)
class SseMessage:
    """One dispatched message: its `event:` type, joined `data:` lines and the last `id:` seen."""

    event: str
    data: str
    id: str | None
    """The stream's last event id when this message was dispatched."""


class SseParser:
    """Turns text chunks into `SseMessage`s; remembers the last event id and the `retry:` value."""

    def __init__(self) -> None:
        self._buffer = ""
        self._skip_lf = False
        self._event = ""
        self._data: list[str] = []
        self._has_data = False
        self.last_event_id: str | None = None
        """Value of the last `id:` field; survives reconnects (send it as Last-Event-ID)."""
        self.retry_ms: int | None = None
        """Reconnection time the server asked for with `retry:`, in milliseconds."""
        self.comments = 0
        """Comment lines seen (servers send them as keep-alives)."""

    def feed(self, chunk: str) -> list[SseMessage]:
        """Parse `chunk`; return the messages it completed.

        Linear in the chunk's size: the buffer is split once per chunk (a big chunk, a backlog of
        hundreds of events, was cut line by line before, copying the rest of the buffer each time).
        """
        if self._skip_lf and chunk.startswith("\n"):
            chunk = chunk[1:]
        self._skip_lf = False
        buffer = self._buffer + chunk
        if "\r" not in buffer:
            lines = buffer.split("\n")  # the common case: LF line ends
            self._buffer = lines.pop()
        else:
            lines = []
            start = 0
            for end in _LINE_END.finditer(buffer):
                lines.append(buffer[start : end.start()])
                start = end.end()
                if end.group() == "\r" and start == len(buffer):
                    # A CR at the very end: the line is complete; an LF may follow in the next chunk.
                    self._skip_lf = True
            self._buffer = buffer[start:]
        messages: list[SseMessage] = []
        for line in lines:
            message = self._line(line)
            if message is not None:
                messages.append(message)
        return messages

    def reset_message(self) -> None:
        """Forget a half-received message (the connection dropped in the middle of it)."""
        self._buffer = ""
        self._skip_lf = False
        self._event = ""
        self._data = []
        self._has_data = False

    def _line(self, line: str) -> SseMessage | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            self.comments += 1
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
            self._has_data = True
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        elif name == "retry" and value.isdigit():
            self.retry_ms = int(value)
        # Other field names are ignored, as the standard says.
        return None

    def _dispatch(self) -> SseMessage | None:
        if not self._has_data:
            self._event = ""
            return None
        message = SseMessage(
            event=self._event or "message", data="\n".join(self._data), id=self.last_event_id
        )
        self._event = ""
        self._data = []
        self._has_data = False
        return message
