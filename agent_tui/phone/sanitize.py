"""Turning hostile SIP text into safe data: control characters out, lengths bounded.

Everything a caller controls (display name, user part, header values, reason phrases) passes through
here before it leaves the engine. Markup such as `[bold]` is kept as literal text: the UI renders
caller text as plain `Text`, never as markup, so escaping here would only double-escape it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from agent_tui.domain.text import clean

_LOG_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_HEADER_LINE = re.compile(r"^([^\s:]+)[ \t]*:(.*)$", re.MULTILINE)
_FOLD = re.compile(r"\r?\n[ \t]+")

INTERESTING_HEADERS: tuple[str, ...] = (
    "P-Asserted-Identity",
    "Remote-Party-ID",
    "X-Customer-Id",
    "X-Account",
    "X-Queue",
    "X-Ticket-Id",
    "X-Monitor",
    "X-Monitor-Token",
    "Referred-By",
    "Subject",
    "User-Agent",
)
"""Headers reported with an incoming call, besides any other `X-` header."""

_CANONICAL = {name.lower(): name for name in INTERESTING_HEADERS}
_COMPACT = {"f": "from", "t": "to", "i": "call-id", "m": "contact", "b": "referred-by", "s": "subject"}
MAX_HEADERS = 32
"""At most this many headers are reported, so a flood of `X-` headers cannot grow an event."""


def clean_text(value: str | bytes | None, limit: int = 128) -> str:
    """`value` as one line of printable text of at most `limit` characters, whitespace squeezed
    (the one cleaner: `agent_tui.domain.text.clean`)."""
    return clean(value, limit, squeeze=True)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def log_safe(text: str) -> str:
    """`text` for a log file that someone reads in a terminal: CRLF becomes LF, and every other
    control or bidi character becomes a visible `\\xNN` / `\\uNNNN`, so an escape sequence a caller
    sent stays in the log as evidence but never acts on the reader's terminal."""
    return _LOG_UNSAFE.sub(_visible, text.replace("\r\n", "\n"))


def split_name_addr(value: str) -> tuple[str, str]:
    """(display name, URI) of a SIP name-addr such as `"Ann" <sip:100@host>;tag=x` (raw, unsanitized)."""
    value = value.strip()
    display = ""
    if value.startswith('"'):
        chars = []
        i = 1
        while i < len(value):
            char = value[i]
            if char == "\\" and i + 1 < len(value):
                chars.append(value[i + 1])
                i += 2
                continue
            if char == '"':
                i += 1
                break
            chars.append(char)
            i += 1
        display = "".join(chars)
        value = value[i:].strip()
    if "<" in value:
        before, _, rest = value.partition("<")
        if not display:
            display = before.strip()
        uri = rest.partition(">")[0]
    else:
        uri = value.split(";", 1)[0]
    return display, uri.strip()


def uri_user(uri: str) -> str:
    """The user part of a SIP URI (`sip:1001@host` → `1001`; `tel:+4930...` → `+4930...`), unescaped."""
    scheme, sep, rest = uri.partition(":")
    if not sep:
        rest = scheme
    rest = rest.split("?", 1)[0]
    if scheme.lower() == "tel":
        return unquote(rest.split(";", 1)[0])
    if "@" not in rest:
        return ""
    return unquote(rest.split("@", 1)[0].split(";", 1)[0].split(":", 1)[0])


def uri_headers(uri: str) -> tuple[str, dict[str, str]]:
    """Split `sip:x@h?X-Customer-Id=42&X-Queue=q` into the bare URI and its (sanitized) headers."""
    inner = uri.strip()
    bracketed = inner.startswith("<") and ">" in inner
    if bracketed:
        inner = inner[1 : inner.index(">")]
    bare, sep, query = inner.partition("?")
    headers: dict[str, str] = {}
    if sep:
        for part in query.split("&"):
            name, eq, raw = part.partition("=")
            if eq and name and len(headers) < MAX_HEADERS:
                headers[canonical_header(unquote(name))] = clean_text(unquote(raw), 256)
    return bare, headers


def canonical_header(name: str) -> str:
    """A header name in the spelling we report (`x-customer-id` → `X-Customer-Id`)."""
    lowered = name.strip().lower()
    lowered = _COMPACT.get(lowered, lowered)
    if lowered in _CANONICAL:
        return _CANONICAL[lowered]
    return "-".join(part[:1].upper() + part[1:] for part in lowered.split("-"))


SINGLE_HEADERS = frozenset({"from", "to", "call-id", "cseq"})
"""Headers a request carries exactly once (RFC 3261 §7.3.1): a second one makes it a 400."""


def parse_headers(message: str, repeated: set[str] | None = None) -> dict[str, str]:
    """Every header of a raw SIP message by canonical lower-case name; the first occurrence wins.

    Values are raw (unsanitized) and folded lines are unfolded. Used for From, To, Call-ID and
    for picking the interesting headers. When `repeated` is given, the names of `SINGLE_HEADERS`
    that occur more than once are added to it. (On the path of every incoming call: one
    precompiled regex over the head, no per-line Python work beyond the dictionary.)
    """
    head, sep, _ = message.partition("\r\n\r\n")
    if not sep:
        head = message.replace("\r\n", "\n").partition("\n\n")[0]
    if "\n " in head or "\n\t" in head:
        head = _FOLD.sub(" ", head)
    headers: dict[str, str] = {}
    first_line_end = head.find("\n")
    if first_line_end < 0:
        return headers  # the first line is the request line: no headers
    for name, value in _HEADER_LINE.findall(head, first_line_end + 1):
        key = name.lower()
        key = _COMPACT.get(key, key)
        if key in headers:
            if repeated is not None and key in SINGLE_HEADERS:
                repeated.add(key)
            continue
        headers[key] = value.strip()
    return headers


def caller_headers(raw: dict[str, str]) -> dict[str, str]:
    """The headers reported with an incoming call: the interesting ones and any `X-` header, sanitized."""
    picked: dict[str, str] = {}
    for key, value in raw.items():
        if key in _CANONICAL or key.startswith("x-"):
            if len(picked) >= MAX_HEADERS:
                break
            picked[canonical_header(key)] = clean_text(value, 256)
    return picked
