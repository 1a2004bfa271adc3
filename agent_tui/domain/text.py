"""The one cleaner for text from outside: callers, customers, backend answers, what agents type.

Outside text is data. Whatever its way in (a SIP header, a REST answer, a form field), it reaches a
terminal, a log or another system only after `clean`: terminal escape sequences are removed whole,
every other control or format character (C0/C1 controls, bidi overrides and isolates, zero-width
characters, private-use and unassigned code points) is dropped, invalid UTF-8 becomes U+FFFD, and the
length is capped. The callers choose only the layout: one line or several, whitespace kept or squeezed.
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL or ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[@-Z\\-_]"  # two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_RUNS = re.compile(r"\s+")
_LINE_RUNS = re.compile(r"[^\S\n]+")
ELLIPSIS = "…"
WORK_FACTOR = 8
"""Input longer than `limit` times this is cut before the per-character work (bounded cost)."""


def _decoded(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    text = value if isinstance(value, str) else str(value)
    try:
        # Invalid UTF-8 decoded with surrogateescape (SWIG, os APIs) turns back into bytes, then U+FFFD.
        return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
    except UnicodeEncodeError:  # other lone surrogates
        return text.encode("utf-8", errors="replace").decode("utf-8", errors="replace")


def clean(value: object, limit: int | None = None, *, multiline: bool = False, squeeze: bool = False) -> str:
    """`value` as safe plain text of at most `limit` characters (None: no limit).

    `multiline` keeps newlines and tabs (otherwise they become spaces); `squeeze` folds runs of
    whitespace into one space (per line when `multiline`) and strips the ends.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else _decoded(value)
    if not text.isprintable():  # the slow path: anything but plain printable text (CJK is printable)
        text = _decoded(text)
        if limit is not None and len(text) > limit * WORK_FACTOR:
            text = text[: limit * WORK_FACTOR]
        text = _ESCAPES.sub("", text)
        kept: list[str] = []
        for char in text:
            if char in "\n\t":
                kept.append(char if multiline else " ")
            elif char in "\r\v\f":
                kept.append("" if multiline and char == "\r" else " ")
            elif unicodedata.category(char)[0] != "C":
                kept.append(char)
        text = "".join(kept)
    if squeeze:
        if multiline:
            text = "\n".join(_LINE_RUNS.sub(" ", line).strip() for line in text.split("\n")).strip()
        else:
            text = _RUNS.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)]
        text = (text.rstrip() if squeeze else text) + ELLIPSIS
    return text
