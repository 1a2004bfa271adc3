"""Turning outside text (caller names, backend fields, notes) into safe plain text for the screen.

Outside text is data: control characters (escape sequences included) are removed, invalid code
points replaced, length capped, and the result is only ever shown through `rich.text.Text` objects
(never parsed as markup). Widths are measured in terminal cells so CJK text lines up.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text

# C0/C1 controls, zero-width and every bidi control of UAX #9 (U+061C ALM, LRM/RLM, embeddings,
# overrides, isolates).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
DEFAULT_LIMIT = 200


def clean(value: object, limit: int = DEFAULT_LIMIT, *, one_line: bool = True) -> str:
    """`value` as text without control or bidi-override characters, at most `limit` characters.

    Lone surrogates (what invalid UTF-8 becomes under `surrogateescape`) turn into U+FFFD.
    `one_line` also folds newlines and tabs into spaces.
    """
    text = "" if value is None else str(value)
    text = _SURROGATE.sub("\ufffd", text)
    if one_line:
        text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    text = _CONTROL.sub("", text)
    if len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def plain(value: object, limit: int = DEFAULT_LIMIT, style: str = "", *, one_line: bool = True) -> Text:
    """A Rich `Text` of cleaned `value`: shown verbatim, square brackets and all."""
    return Text(clean(value, limit, one_line=one_line), style=style)


def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` terminal cells (CJK characters count two)."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    out = ""
    for char in text:
        if cell_len(out + char) > width - 1:
            break
        out += char
    out += "…"
    return out + " " * (width - cell_len(out))


def duration(seconds: float) -> str:
    """`m:ss` under an hour, `h:mm:ss` above."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def money(cents: int) -> str:
    """An amount of money in cents shown with two decimals (currency-neutral)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{frac:02d}"
