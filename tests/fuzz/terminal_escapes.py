"""Hostile text for the desk's terminal, and how to read what the desk really wrote to its terminal.

Every hostile call and customer carries a marker (`QZ07`): the printable part of its text starts
with it (so the test can find it on screen), and the payloads put it inside their escape sequences
too (a window title, a clipboard write, a DCS string). Whatever a sanitizer lets through then shows
up as an escape sequence of the desk's raw output that contains a marker.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, up to BEL or ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]"  # two-byte escapes (and charset designations)
    r"|\x1b"  # a lone ESC
)
"""One escape sequence of a terminal's input (7-bit forms; 8-bit C1 controls are checked apart)."""
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional controls: a terminal that honours them reorders the text around them."""


def escapes(marker: str) -> list[str]:
    """Escape sequences and control characters aimed at the terminal, tagged with `marker`."""
    clip = base64.b64encode(f"clip{marker}".encode()).decode()
    return [
        f"\x1b]52;c;{clip}\x07",  # OSC 52: write the clipboard
        f"\x1b]0;title{marker}\x07",  # OSC 0: window title (BEL)
        f"\x1b]2;title{marker}\x1b\\",  # OSC 2: window title (ST)
        f"\x1b]8;;http://evil.example/{marker}\x1b\\link{marker}\x1b]8;;\x1b\\",  # OSC 8 hyperlink
        "\x1b[2J\x1b[H",  # clear the screen, cursor home
        "\x1b[3J\x1b[?1049l",  # clear scroll-back, leave the alternate screen
        "\x1bc",  # full reset
        "\x1b[6n\x1b[21t\x1b[>c",  # reports the terminal would type back as input
        f"\x1bP+q{marker.encode().hex()}\x1b\\",  # DCS: XTGETTCAP
        f"\x1b_{marker}\x1b\\",  # APC
        f"\x1b^{marker}\x1b\\",  # PM
        "\x1b[31;5;7m\x1b[8m",  # colours, blink, reverse, hidden
        "\x9b2J\x9b31m",  # 8-bit CSI
        f"\x9d0;title{marker}\x9c",  # 8-bit OSC ... ST
        f"\x90{marker}\x9c",  # 8-bit DCS
        "\x07\x08\x08\x08\r\x7f\x0b\x0c\x00",  # bell, backspaces, carriage return, DEL
        "\u202eevil\u202c\u2066x\u2069\u200f\u061c",  # bidi overrides, isolates, marks
    ]


def markups(marker: str) -> list[str]:
    """Markup that Rich or Textual would interpret if the text were ever parsed as markup."""
    return [
        "[bold red]BOSS[/]",
        f"[link=http://evil.example/{marker}]click[/link]",
        "[@click=app.quit]quit[/]",
        "[reverse $error]X[/]",
        "[/]",
        ":warning: $accent {0}%s",
    ]


@dataclass(frozen=True)
class HostileCustomer:
    """A customer the backend holds, every text field hostile; `phone` rings as them."""

    marker: str
    phone: str
    account: str
    name: str
    address: str
    area: str
    meter: str
    notes: str
    outcome: str
    agent: str
    expect: tuple[str, ...]
    """Printable texts that must be on screen once the card shows this customer."""


@dataclass(frozen=True)
class HostileCall:
    """One call from SIPp: hostile From display name, caller, IVR headers."""

    marker: str
    display: str
    caller: str
    customer_id: str
    account: str
    queue: str
    expect: tuple[str, ...]
    """Printable texts that must be on screen while it rings."""
    customer: HostileCustomer | None = None
    raw_bytes: bool = field(default=False)
    """The display name carries invalid UTF-8 (surrogate escapes that reach SIPp as raw bytes)."""


def quoted_pairs(text: str) -> str:
    """`text` inside a SIP quoted-string: control characters, quotes and backslashes as quoted-pairs
    (RFC 3261 §25.1), so the INVITE parses and the hostile characters reach the application. CR, LF
    and NUL are left out: they cannot be sent inside one header line (nor NUL on a command line)."""
    return "".join("\\" + char if ord(char) < 0x20 or char in '"\\\x7f' else char
                   for char in header_value(text))


def header_value(text: str) -> str:
    """`text` as a header value: no CR, LF or NUL (they would end the header or the message)."""
    return "".join(char for char in text if char not in "\r\n\x00")


def customers(count: int, phone_base: int = 13_999_100_000) -> list[HostileCustomer]:
    """`count` hostile customers (markers QC00...), each field at or under the backend's limits."""
    found: list[HostileCustomer] = []
    for index in range(count):
        marker = f"QC{index:02d}"
        payloads = escapes(marker)
        marks = markups(marker)
        hostile = payloads[index % len(payloads)] + payloads[(index + 5) % len(payloads)]
        markup = marks[index % len(marks)]
        name = f"K{marker} {markup} {hostile}"[:200]
        address = f"A{marker} {payloads[(index + 3) % len(payloads)]} Street {markup}"[:200]
        notes = f"N{marker} " + "".join(payloads) + " " + ("long notes " * 800)  # about 9 KB
        found.append(HostileCustomer(
            marker=marker, phone=str(phone_base + index), account=f"77{index:06d}",
            name=name, address=address, area=f"R{marker}{hostile}"[:200],
            meter=f"M{marker}{payloads[(index + 7) % len(payloads)]}"[:200],
            notes=notes, outcome=f"O{marker}{hostile}"[:200], agent=f"G{marker}{hostile}"[:64],
            expect=(f"K{marker} {markup}", f"A{marker}", f"N{marker}"),
        ))
    return found


def calls(hostile_customers: list[HostileCustomer],
          unknown_phone_base: int = 13_999_200_000) -> Iterator[HostileCall]:
    """Hostile calls: first one per escape and markup payload from unknown numbers (the display name
    and queue are what the desk shows), then one per hostile customer (the card shows the customer),
    then long, invalid-UTF-8 and escaped-user-part calls."""
    index = 0

    def next_marker() -> str:
        nonlocal index
        index += 1
        return f"QZ{index:02d}"

    for payload_index in range(len(escapes(""))):
        marker = next_marker()
        payload = escapes(marker)[payload_index]
        queue_payload = escapes(marker)[(payload_index + 1) % len(escapes(""))]
        yield HostileCall(
            marker=marker, display=f"D{marker} {payload} caller", caller=str(unknown_phone_base + index),
            customer_id=f"{payload}42", account=f"{queue_payload}{marker}",
            queue=f"Q{marker} {queue_payload}", expect=(f"D{marker}", f"Q{marker}"),
        )
    for markup in markups("QZ"):
        marker = next_marker()
        markup = markup.replace("QZ", marker)
        yield HostileCall(
            marker=marker, display=f"D{marker} {markup}", caller=str(unknown_phone_base + index),
            customer_id="", account="", queue=f"Q{marker} {markup}",
            expect=(f"D{marker} {markup}", f"Q{marker}"),
        )
    for customer in hostile_customers:
        marker = next_marker()
        payload = escapes(marker)[index % len(escapes(""))]
        yield HostileCall(
            marker=marker, display=f"D{marker} {payload}", caller=customer.phone, customer_id="",
            account="", queue=f"Q{marker}", expect=(*customer.expect, f"Q{marker}"), customer=customer,
        )
    marker = next_marker()
    # Long: as much as fits in pjsip's 4000-byte datagram limit with the rest of the INVITE.
    long_text = "".join(escapes(marker)) * 6
    yield HostileCall(marker=marker, display=f"D{marker} {long_text}"[:2400],
                      caller=str(unknown_phone_base + index), customer_id="", account="", queue=f"Q{marker}",
                      expect=(f"D{marker}", f"Q{marker}"))
    marker = next_marker()
    invalid = b"\xff\xfe\xc3 \xed\xa0\x80 \xc2\x9b2J \xc2\x9d0;x\x07".decode("utf-8", "surrogateescape")
    yield HostileCall(marker=marker, display=f"D{marker} {invalid} end",
                      caller=str(unknown_phone_base + index), customer_id="", account="",
                      queue=f"Q{marker} {invalid}", expect=(f"D{marker}", f"Q{marker}"), raw_bytes=True)
    marker = next_marker()
    # The user part, %-escaped in the URI: the desk unescapes it into the number it shows.
    yield HostileCall(marker=marker, display=f"D{marker} user part",
                      caller=f"%1B%5D0%3Btitle{marker}%07%1B%5B2J%E2%80%AE%C2%9B31m555{index:04d}",
                      customer_id="", account="", queue=f"Q{marker}",
                      expect=(f"D{marker}", f"555{index:04d}"))


def sequences(text: str) -> Iterator[str]:
    """Every escape sequence in `text` (the decoded output of a terminal program)."""
    for match in ESCAPE_SEQUENCE.finditer(text):
        yield match.group()


def kind(sequence: str) -> str:
    """What a sequence does, without its parameters where they are just numbers (`CSI m`, `OSC 8`)."""
    if sequence.startswith("\x1b["):
        body = sequence[2:]
        private = body[:1] if body[:1] in "?<=>" else ""
        if private:
            return f"CSI {body}"  # private modes: the mode number is what matters
        return f"CSI {body[-1:]}"
    if sequence.startswith("\x1b]"):
        return "OSC " + sequence[2:].split(";", 1)[0][:8]
    if sequence[1:2] in ("P", "X", "^", "_"):
        return f"ESC {sequence[1]} string"
    return "ESC " + sequence[1:]


def bad_code_points(text: str) -> list[str]:
    """C1 controls (U+0080-U+009F) and bidi controls in `text`: a terminal acts on both."""
    return [f"U+{ord(char):04X}" for char in text
            if 0x80 <= ord(char) <= 0x9F or char in BIDI or unicodedata.category(char) == "Cs"]
