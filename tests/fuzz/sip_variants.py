"""Hostile SIP INVITE variants, written as a SIPp injection file so one SIPp run sends them all.

Each variant fills the fields of `uac_fuzz.xml`: display name, user part, two header values, one extra
header (name and value), Content-Type and three SDP lines. A SIPp injection file separates fields by
`;` and rows by newlines, so those bytes (and NUL) cannot be sent; everything else can, raw.
Generation is seeded: the same seed gives the same variants, so a failure names a row to replay.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

FIELDS = ("display", "user", "customer_id", "queue", "header_name", "header_value", "content_type",
          "sdp_c", "sdp_m", "sdp_a")
MAX_FIELD = 1200
"""Bytes per field: keeps every INVITE under the 4000 bytes pjsip reads of a UDP datagram."""
MAX_ROW = 2600
"""Bytes of all fields together: the rest of the INVITE takes about 600."""
UNSENDABLE = frozenset(b"\x00\n\r;")
"""Bytes an injection file cannot carry in a field."""

ESCAPES: tuple[bytes, ...] = (
    b"\x1b]52;c;cHduZWQ=\x07",  # OSC 52: write the clipboard (the ';' is dropped: see UNSENDABLE)
    b"\x1b]0;pwned\x07",  # window title
    b"\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\",  # hyperlink
    b"\x1b[2J\x1b[H",  # clear screen, home
    b"\x1b[31m",
    b"\x1b[6n",  # report cursor position: makes the terminal type an answer
    b"\x1b[999999999C",  # absurd parameters
    b"\x1b[?1049h",  # alternate screen
    b"\x1b[?2004h",  # bracketed paste
    b"\x1bP+q544e\x1b\\",  # DCS: request a terminfo capability
    b"\x1b_evil\x1b\\",  # APC
    b"\x1bc",  # full reset
    b"\x9b31m",  # 8-bit CSI
    b"\xc2\x9b31m",  # 8-bit CSI, UTF-8 encoded
    b"\xc2\x9d0;x\x07",  # 8-bit OSC, UTF-8 encoded
    b"\x07\x08\x7f\x0b\x0c",
    b"\xe2\x80\xae",  # right-to-left override
    b"\xe2\x81\xa6",  # left-to-right isolate
    b"\xef\xbb\xbf",  # byte-order mark
)
MARKUP: tuple[bytes, ...] = (
    b"[bold red]Boss[/]", b"[link=http://evil]x[/link]", b"[/]", b"[@click=app.quit]q[/]",
    b"<b>x</b>", b"%1B%5B31m", b"$(reboot)", b"{0}{1}%s%n", b"\\x1b[31m",
)
TEXTS: tuple[bytes, ...] = (
    "王芳".encode(), "Zoë".encode(), "👩\u200d💻".encode(), b"Plain Caller", b"", b" ", b"\"", b"\\",
    b"\"quoted\\\" inner\"", "ｆｕｌｌｗｉｄｔｈ".encode(), b"\xff\xfe", b"\xc3", b"\xed\xa0\x80",
)


def _sendable(data: bytes) -> bytes:
    return bytes(b for b in data if b not in UNSENDABLE)


@dataclass(frozen=True)
class Variant:
    """One INVITE: the raw bytes of each field, and what it attacks (for messages)."""

    index: int
    kind: str
    fields: dict[str, bytes]

    def row(self) -> bytes:
        """The injection-file row."""
        return b";".join(_sendable(self.fields[name]) for name in FIELDS)

    @property
    def marker(self) -> str:
        """Text that ends up in the display name of every variant, to find its traces."""
        return f"FZ{self.index:04d}"


def base_fields(index: int) -> dict[str, bytes]:
    return {
        "display": f"FZ{index:04d} Caller".encode(),
        "user": b"1390000" + f"{index:04d}".encode(),
        "customer_id": b"C-1",
        "queue": b"repairs",
        "header_name": b"X-Fuzz",
        "header_value": b"plain",
        "content_type": b"application/sdp",
        "sdp_c": b"IN IP4 127.0.0.1",
        "sdp_m": b"audio 40000 RTP/AVP 8 0",
        "sdp_a": b"rtpmap:8 PCMA/8000",
    }


def _noise(rng: random.Random, size: int) -> bytes:
    return bytes(rng.choice([rng.randrange(1, 256), *rng.choice(ESCAPES)]) for _ in range(size))


def _mix(rng: random.Random) -> bytes:
    """A hostile text: escapes, markup, real names and raw bytes spliced together."""
    parts = [rng.choice((*ESCAPES, *MARKUP, *TEXTS)) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.3:
        parts.append(_noise(rng, rng.randint(1, 24)))
    rng.shuffle(parts)
    return b"".join(parts)


Mutation = Callable[[random.Random, dict[str, bytes]], None]


def _quoted(rng: random.Random, text: bytes) -> bytes:
    """Mostly as a valid SIP quoted-string (quoted-pairs for controls, quotes and backslashes), so the
    INVITE parses and the hostile bytes reach the application; sometimes raw, which pjsip may drop."""
    if rng.random() < 0.15:
        return text
    return b"".join(b"\\" + bytes([b]) if b < 0x20 or b in b'"\\\x7f' else bytes([b]) for b in text)


def _display(rng: random.Random, f: dict[str, bytes]) -> None:
    f["display"] = f["display"][:6] + _quoted(rng, _mix(rng))


def _long_display(rng: random.Random, f: dict[str, bytes]) -> None:
    # Long but under pjsip's 4000-byte datagram limit with the rest of the INVITE.
    f["display"] = f["display"][:6] + _quoted(rng, _mix(rng) * rng.randint(20, 120))


def _user(rng: random.Random, f: dict[str, bytes]) -> None:
    f["user"] = rng.choice((b"%1B%5B2J", b"%07%08", b"%C2%9B31m", b"+86" + b"9" * 40, b"%00", b"a%ZZ",
                            b"%1b]52%3bc%3bx%07", b"%E2%80%AE123")) + f["user"][-4:]


def _headers(rng: random.Random, f: dict[str, bytes]) -> None:
    f["customer_id"] = _mix(rng)
    f["queue"] = _mix(rng)


def _long_header(rng: random.Random, f: dict[str, bytes]) -> None:
    f["header_value"] = _mix(rng) * rng.randint(30, 150)


def _header_name(rng: random.Random, f: dict[str, bytes]) -> None:
    f["header_name"] = rng.choice((b"X-Customer-Id", b"X-Account", b"X-Queue", b"X-Monitor",
                                   b"P-Asserted-Identity", b"Subject", b"User-Agent", b"X-" + b"A" * 300))
    f["header_value"] = _mix(rng)


def _pai(rng: random.Random, f: dict[str, bytes]) -> None:
    f["header_name"] = b"P-Asserted-Identity"
    f["header_value"] = b'"' + _mix(rng) + b'" <sip:' + rng.choice((b"%1B%5B31m1", b"1" * 200, b"x")) + b"@h>"


def _content_type(rng: random.Random, f: dict[str, bytes]) -> None:
    # Mostly well-formed types the engine must refuse or accept; an unparsable one now and then.
    f["content_type"] = rng.choice((b"text/html", b"multipart/mixed", b"application/SDP", b"x/" + b"y" * 200,
                                    b"text/plain;charset=\x1b[31m", b"application/sdp\x1b[31m", b""))


def _sdp(rng: random.Random, f: dict[str, bytes]) -> None:
    f["sdp_c"] = rng.choice((b"IN IP4 127.0.0.1", b"IN IP6 ::1", b"IN IP4 999.1.1.1", b"IN IP4 " + _mix(rng),
                             b"", b"IN IP4 0.0.0.0"))
    f["sdp_m"] = rng.choice((b"audio 40000 RTP/AVP 8 0", b"audio 0 RTP/AVP 8", b"audio 99999 RTP/AVP 8",
                             b"audio 40000 RTP/AVP 99", b"video 40000 RTP/AVP 96", b"audio banana",
                             b"audio 40000 RTP/SAVP 8", b"audio 40000 RTP/AVP " + b"8 " * 200, _mix(rng)))
    f["sdp_a"] = rng.choice((b"rtpmap:8 PCMA/8000", b"rtpmap:99 FOO/8000", b"sendonly", b"inactive",
                             b"crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + b"A" * 40, b"rtpmap:" + _mix(rng),
                             b"fmtp:" + b"x" * 500))


MUTATIONS: dict[str, Mutation] = {
    "display": _display,
    "long-display": _long_display,
    "user-part": _user,
    "ivr-headers": _headers,
    "long-header": _long_header,
    "header-name": _header_name,
    "p-asserted-identity": _pai,
    "content-type": _content_type,
    "sdp": _sdp,
}


def variants(count: int, seed: int = 7) -> Iterator[Variant]:
    """`count` variants: each applies one to three mutations to a plain INVITE."""
    rng = random.Random(seed)
    names = list(MUTATIONS)
    for index in range(count):
        fields = base_fields(index)
        chosen = rng.sample(names, rng.randint(1, 3))
        for name in chosen:
            MUTATIONS[name](rng, fields)
        for name, value in fields.items():
            fields[name] = value[:MAX_FIELD]
        while sum(map(len, fields.values())) > MAX_ROW:
            longest = max(fields, key=lambda name: len(fields[name]))
            fields[longest] = fields[longest][: len(fields[longest]) // 2]
        yield Variant(index, "+".join(chosen), fields)


def write_injection(path: Path, items: list[Variant]) -> Path:
    """The SIPp injection file for `items`, in order (SEQUENTIAL: call n uses row n)."""
    path.write_bytes(b"SEQUENTIAL\n" + b"".join(v.row() + b"\n" for v in items))
    return path
