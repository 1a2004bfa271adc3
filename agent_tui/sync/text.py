"""Cleaning text that comes from the backend before it is shown or logged."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """`text` without control characters (escape sequences included); newlines and tabs are kept."""
    return _CONTROL.sub("", text)
