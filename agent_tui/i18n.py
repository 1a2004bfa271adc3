"""Translation of user-visible text: English source strings looked up in per-language JSON catalogs.

Every string the UI shows is written in English in the code and passed through `Translator.t`. The
catalogs live in `agent_tui/locales/<language>/*.json`, each a flat object from English source to
translation; all files of a language are merged. A missing entry falls back to the English source,
so an untranslated string is visible but never breaks the screen.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from agent_tui.domain.base import LocalizedText, localized

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "zh")


def locales_dir() -> Path:
    """The folder holding one sub-folder of JSON catalogs per language."""
    return Path(str(resources.files("agent_tui") / "locales"))


def normalize_language(language: str) -> str:
    """Map `zh-CN`, `zh_Hans`, `EN_us`... to the catalog name (`zh`, `en`); unknown → English."""
    code = language.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in SUPPORTED_LANGUAGES else SOURCE_LANGUAGE


def load_catalog(language: str, folder: Path | None = None) -> dict[str, str]:
    """Merge every `*.json` catalog of `language`; a broken file is logged and skipped."""
    base = (folder or locales_dir()) / language
    catalog: dict[str, str] = {}
    if not base.is_dir():
        return catalog
    for path in sorted(base.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            log.warning("skipping translation catalog %s: %s", path, error)
            continue
        if not isinstance(data, dict):
            log.warning("skipping translation catalog %s: not a JSON object", path)
            continue
        catalog.update({str(k): str(v) for k, v in data.items() if isinstance(v, str)})
    return catalog


class Translator:
    """Translates English source strings into one language.

    `t("Calls {count}", count=3)` looks the source up, then fills `{name}` fields with `params`;
    parameter values are data and are never looked up or interpreted.
    """

    def __init__(self, language: str = SOURCE_LANGUAGE, catalog: Mapping[str, str] | None = None) -> None:
        self.language = normalize_language(language)
        self._catalog: dict[str, str] = (
            dict(catalog) if catalog is not None
            else ({} if self.language == SOURCE_LANGUAGE else load_catalog(self.language))
        )

    def t(self, source: str, **params: object) -> str:
        """The translation of `source` with `params` filled in (English when there is none)."""
        text = self._catalog.get(source, source)
        if not params:
            return text
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            # A bad translation must not take the screen down: fall back to the source.
            log.warning("translation of %r does not fit its parameters", source)
            return source.format(**params)

    def has(self, source: str) -> bool:
        """Whether the catalog translates `source` (always true in English)."""
        return self.language == SOURCE_LANGUAGE or source in self._catalog

    def pick(self, text: LocalizedText) -> str:
        """Choose this language from a `{"en": ..., "zh": ...}` text (as screens and the backend send)."""
        return localized(text, self.language)
