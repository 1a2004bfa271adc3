"""Every user-visible string of the UI has a Simplified Chinese translation; the translator behaves."""

from __future__ import annotations

import ast
from pathlib import Path

import agent_tui.desk
import agent_tui.ui
from agent_tui.domain.agent import AgentStateName
from agent_tui.domain.ticket import TicketStatus, TicketType
from agent_tui.i18n import Translator, load_catalog, normalize_language

UI_DIR = Path(agent_tui.ui.__file__).parent
DESK_MODEL_DIR = Path(agent_tui.desk.__file__).parent
"""The headless desk model: its `Notify(...)` texts are shown through the translator."""
WHAT_ARG = {"report_error": 1, "spawn": 2, "spawn_thread": 1, "_command": 0}


def ui_strings() -> set[str]:
    """English source strings found in the UI code: t() calls, binding descriptions, label tables."""
    found: set[str] = set()

    def const(node: ast.expr) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)

    for path in [*UI_DIR.rglob("*.py"), *DESK_MODEL_DIR.rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("t", "_heading", "Notify") and node.args:
                    const(node.args[1] if name == "_heading" else node.args[0])
                if name == "Binding" and len(node.args) >= 3:
                    const(node.args[2])
                if name in WHAT_ARG and len(node.args) > WHAT_ARG[name]:
                    const(node.args[WHAT_ARG[name]])
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AnnAssign):
                targets = [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            value = getattr(node, "value", None)
            if any(n.endswith("LABELS") for n in names) and isinstance(value, ast.Dict):
                for v in value.values:
                    const(v)
            if "DISPOSITIONS" in names and isinstance(value, ast.Tuple):
                for elt in value.elts:
                    if isinstance(elt, ast.Tuple):
                        const(elt.elts[1])
    found |= {t.value.capitalize() for t in TicketType}
    found |= {s.value.replace("_", " ").capitalize() for s in TicketStatus}
    found |= {s.value.replace("_", " ").capitalize() for s in AgentStateName}
    return found


def test_every_ui_string_has_a_chinese_translation() -> None:
    catalog = load_catalog("zh")
    strings = ui_strings()
    assert len(strings) > 150
    missing = sorted(s for s in strings if s not in catalog)
    assert missing == []


def test_translations_keep_their_parameters() -> None:
    catalog = load_catalog("zh")
    import string

    for source, target in catalog.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(source) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(target) if f}, source


def test_translator_falls_back_and_fills_params() -> None:
    zh = Translator("zh-CN")
    assert zh.language == "zh"
    assert zh.t("Ready") == "示闲"
    assert zh.t("Calls {calls} AHT {aht} FCR {fcr}", calls=3, aht="1:00", fcr="90%").startswith("来电 3")
    assert zh.t("no such string {x}", x="[b]") == "no such string [b]"
    assert Translator("fr").language == "en"
    assert normalize_language("ZH_hans") == "zh"
    assert zh.pick({"en": "Repair", "zh": "报修"}) == "报修"


def test_bad_translation_falls_back_to_english() -> None:
    broken = Translator("zh", catalog={"Hello {name}": "你好 {nom}"})
    assert broken.t("Hello {name}", name="Li") == "Hello Li"
