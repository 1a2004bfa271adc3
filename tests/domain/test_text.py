"""The one cleaner for outside text: what may never come out of it, whatever goes in."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from agent_tui.domain.text import clean

ANY_TEXT = st.text(alphabet=st.characters(codec=None, blacklist_categories=()), max_size=300)
HOSTILE = ANY_TEXT | st.sampled_from([
    "\x1b]52;c;ZXZpbA==\x07", "\x1b[2J\x1bc", "\x9b31m", "\u202eevil\u2066", "a\x00b", "\udcff\udcfe",
    "\x1bP+q\x1b\\", "名字\u200b\u061c",
])


@given(HOSTILE, st.booleans(), st.booleans(), st.integers(min_value=1, max_value=80))
def test_nothing_that_acts_on_a_terminal_comes_out(
    text: str, multiline: bool, squeeze: bool, limit: int,
) -> None:
    out = clean(text, limit, multiline=multiline, squeeze=squeeze)
    allowed = {"\n", "\t"} if multiline else set()
    assert all(c in allowed or unicodedata.category(c)[0] != "C" for c in out), repr(out)
    assert len(out) <= limit


def test_escape_sequences_go_whole_and_invalid_bytes_stay_visible() -> None:
    assert clean("a\x1b]0;pwned\x07b\x1b[31mc") == "abc"
    assert clean(b"caf\xe9") == "caf\ufffd"
    assert clean("x\udcff") == "x\ufffd"


def test_layout_is_the_callers_choice() -> None:
    assert clean("a\n\tb") == "a  b"
    assert clean("a\n\tb", multiline=True) == "a\n\tb"
    assert clean("  a \n\n  b  ", squeeze=True) == "a b"
    assert clean("  a  x \n b  ", multiline=True, squeeze=True) == "a x\nb"
    assert clean("abcdef", 4) == "abc…"
    assert clean("名字很长的客户", 4) == "名字很…"
