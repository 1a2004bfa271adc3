"""Every message the forms package can show has a Chinese translation with the same parameters."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import agent_tui.forms as forms_package
from agent_tui.forms.validate import REQUIRED

CATALOG = Path(forms_package.__file__).parent.parent / "locales" / "zh" / "forms.json"
SOURCE = re.compile(r'(?:Message|tr)\(\s*"((?:[^"\\]|\\.)+)"')


def _sources() -> set[str]:
    found = {REQUIRED}
    for path in Path(forms_package.__file__).parent.glob("*.py"):
        found |= set(SOURCE.findall(path.read_text(encoding="utf-8")))
    return found


def _params(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_a_chinese_translation() -> None:
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    sources = _sources()
    assert len(sources) > 20
    assert sources - set(catalog) == set()
    for source in sources:
        assert _params(catalog[source]) == _params(source), source
