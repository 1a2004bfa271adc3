"""Turning outside text (caller names, backend fields, notes) into safe plain text for the screen.

Outside text is data: it is cleaned by `agent_tui.domain.text.clean`, and the result is only ever
shown through `rich.text.Text` objects (never parsed as markup). Widths are measured in terminal
cells so CJK text lines up.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from agent_tui.domain.text import clean as clean_text

DEFAULT_LIMIT = 200


def clean(value: object, limit: int = DEFAULT_LIMIT, *, one_line: bool = True) -> str:
    """`value` cleaned for the screen by the one cleaner (`agent_tui.domain.text.clean`), at most
    `limit` characters; `one_line` folds newlines and tabs into spaces."""
    return clean_text(value, limit, multiline=not one_line)


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
