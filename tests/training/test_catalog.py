"""Every score-card text has a Chinese translation with the same parameters."""

from __future__ import annotations

import ast
import json
import string
from collections.abc import Iterator
from pathlib import Path

import agent_tui.training as training_package
from agent_tui.training.scoring import TERMS

PACKAGE = Path(training_package.__file__).parent
CATALOG = PACKAGE.parent / "locales" / "zh" / "training.json"


def _strings(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)


def _sources() -> set[str]:
    """Texts given to score-card items (`_Item`/`_named(key, weight, TEXT, ...)`) and to `translate(TEXT)`,
    and the names of the codes the items hold (order types)."""
    found: set[str] = {name for vocabulary in TERMS.values() for name in vocabulary.values()}
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in ("_Item", "_named") and len(node.args) >= 3:
                found |= set(_strings(node.args[2]))
            elif name == "translate" and node.args:
                found |= set(_strings(node.args[0]))
    return found


def _params(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_score_card_text_has_a_chinese_translation() -> None:
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    sources = _sources()
    assert len(sources) > 20
    assert sources - set(catalog) == set()
    assert set(catalog) - sources == set(), "stale entries"
    for source in sources:
        assert _params(catalog[source]) == _params(source), source
