"""The SIP messages of each call, picked out of pjsua2's log for the desk's trace panel.

pjsua logs every SIP message it sends or receives (level 4) as one log entry: a line such as
`TX 512 bytes Request msg INVITE/cseq=1 (tdta0x..) to UDP 10.0.0.2:5060:` followed by the whole
message and `--end msg--`. `SipTrace.feed` takes those entries (from the engine's log writer, on the
engine thread), keeps each message's first line and headers, cleaned and with credentials masked, and
files it under its Call-ID. The engine binds its own call ids to Call-IDs (`bind`), so the desk asks
for the trace of a call by the id it knows (`messages`). Everything is bounded: messages per Call-ID,
headers per message, characters per line, and Call-IDs kept (the oldest go first).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime

from agent_tui.domain.text import clean

MAX_MESSAGES = 64
"""Messages kept per Call-ID (the newest): a long call's re-INVITEs and INFOs push out the oldest."""
MAX_CALL_IDS = 16
"""Call-IDs kept at once; the least recently active one is dropped first."""
MAX_HEADERS = 40
"""Headers kept per message (a flood of headers cannot grow the trace)."""
LINE_LIMIT = 300
"""Characters kept of a first line or a header value."""
MASK = "******"
"""What a credential header's value is shown as."""
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})
"""Headers whose values carry credentials (digest responses): never kept."""
SKIPPED_METHODS = frozenset({"REGISTER", "OPTIONS"})
"""Out-of-call traffic (registration refreshes, keep-alives) that would only crowd calls out."""

_START = re.compile(
    r"(?P<dir>TX|RX) \d+ bytes (?P<kind>Request|Response) msg (?P<info>\S+)[^\n]*?"
    r" (?:to|from) (?P<transport>[A-Za-z0-9]+) (?P<peer>[^\s]+?):?\n"
)
_END = "\n--end msg--"
_HEADER = re.compile(r"^([^\s:]+)[ \t]*:[ \t]*(.*)$")
_COMPACT = {"i": "call-id", "f": "from", "t": "to", "m": "contact", "v": "via", "c": "content-type",
            "l": "content-length", "k": "supported", "s": "subject", "b": "referred-by", "r": "refer-to"}


@dataclass(frozen=True)
class SipMessage:
    """One SIP message as the trace shows it: every text field already cleaned (plain text)."""

    direction: str
    """"TX" (sent by this phone) or "RX" (received)."""
    at: datetime
    peer: str
    """Transport and address of the other side, e.g. "UDP 10.0.0.2:5060"."""
    first_line: str
    headers: tuple[tuple[str, str], ...]
    body_bytes: int
    """Length of the body (an SDP offer or answer): counted, not shown."""


def parse_entry(entry: str, at: datetime) -> tuple[str, SipMessage] | None:
    """(Call-ID, message) of a pjsua log entry carrying a SIP message; None for any other entry."""
    found = _START.search(entry)
    if found is None:
        return None
    method = found["info"].split("/")[1 if found["kind"] == "Response" else 0]
    if method.upper() in SKIPPED_METHODS:
        return None
    text = entry[found.end():]
    end = text.rfind(_END)
    if end >= 0:
        text = text[:end]
    text = text.replace("\r\n", "\n")
    head, _, body = text.partition("\n\n")
    head = re.sub(r"\n[ \t]+", " ", head)  # folded header lines
    lines = head.split("\n")
    call_id = ""
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        matched = _HEADER.match(line)
        if matched is None:
            continue
        name, value = matched[1], matched[2].strip()
        key = _COMPACT.get(name.lower(), name.lower())
        if key == "call-id" and not call_id:
            call_id = value
        if len(headers) < MAX_HEADERS:
            shown = MASK if key in SECRET_HEADERS else clean(value, LINE_LIMIT, squeeze=True)
            headers.append((clean(name, 64, squeeze=True), shown))
    if not call_id:
        return None
    message = SipMessage(direction=found["dir"], at=at,
                         peer=clean(f"{found['transport']} {found['peer']}", 80, squeeze=True),
                         first_line=clean(lines[0], LINE_LIMIT, squeeze=True), headers=tuple(headers),
                         body_bytes=len(body.strip().encode("utf-8", errors="replace")))
    return call_id, message


class SipTrace:
    """The recent SIP messages by Call-ID, and which call of the phone each Call-ID belongs to.

    Fed on the engine thread, read on the UI thread: every method takes the lock.
    """

    def __init__(self, max_call_ids: int = MAX_CALL_IDS, max_messages: int = MAX_MESSAGES) -> None:
        self._lock = threading.Lock()
        self._max_call_ids = max_call_ids
        self._max_messages = max_messages
        self._by_sip_id: OrderedDict[str, deque[SipMessage]] = OrderedDict()
        self._sip_ids: dict[str, str] = {}
        """The phone's call id → its SIP Call-ID."""

    def feed(self, entry: str, at: datetime | None = None) -> None:
        """One pjsua log entry; kept only when it is a SIP message of a call."""
        if "bytes " not in entry or "msg" not in entry:  # the cheap test: most entries are not messages
            return
        parsed = parse_entry(entry, at or datetime.now().astimezone())
        if parsed is None:
            return
        sip_id, message = parsed
        with self._lock:
            kept = self._by_sip_id.get(sip_id)
            if kept is None:
                kept = self._by_sip_id[sip_id] = deque(maxlen=self._max_messages)
                while len(self._by_sip_id) > self._max_call_ids:
                    dropped, _ = self._by_sip_id.popitem(last=False)
                    for call_id in [c for c, s in self._sip_ids.items() if s == dropped]:
                        del self._sip_ids[call_id]
            else:
                self._by_sip_id.move_to_end(sip_id)
            kept.append(message)

    def bind(self, call_id: str, sip_call_id: str) -> None:
        """The phone's call `call_id` is the SIP dialog `sip_call_id` (its messages may already be here)."""
        if not sip_call_id:
            return
        with self._lock:
            self._sip_ids[call_id] = sip_call_id
            while len(self._sip_ids) > self._max_call_ids * 2:  # bindings of calls never traced
                del self._sip_ids[next(iter(self._sip_ids))]

    def messages(self, call_id: str) -> list[SipMessage]:
        """The trace of the phone's call `call_id`, oldest first (empty when unknown or dropped)."""
        with self._lock:
            sip_id = self._sip_ids.get(call_id)
            kept = self._by_sip_id.get(sip_id) if sip_id is not None else None
            return list(kept) if kept is not None else []

    def forget(self, call_id: str) -> None:
        """Drop the call's trace (the desk forgot the call)."""
        with self._lock:
            sip_id = self._sip_ids.pop(call_id, None)
            if sip_id is not None and sip_id not in self._sip_ids.values():
                self._by_sip_id.pop(sip_id, None)
