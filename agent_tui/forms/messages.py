"""Messages the forms package shows to agents: an English source string plus its parameters.

The UI translates the source string through its catalog (`agent_tui/locales/<lang>/forms.json`) and then
fills in the `{name}` parameters, so the forms package never needs to know the UI language for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

ParamValue = str | int | float


class Translate(Protocol):
    """A translation function: English source string and `{name}` params in, UI-language text out."""

    def __call__(self, source: str, /, **params: ParamValue) -> str: ...


def english(source: str, /, **params: ParamValue) -> str:
    """The identity translation: fill the params into the English source string."""
    return source.format(**params) if params else source


@dataclass(frozen=True)
class Message:
    """A user-visible message: `text` is the English source, `params` fill its `{name}` holes."""

    text: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def render(self, translate: Translate | Callable[..., str] = english) -> str:
        """The message in the UI language, given the UI's translation function."""
        return translate(self.text, **dict(self.params))

    def __str__(self) -> str:
        return english(self.text, **dict(self.params))

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form, for drafts and for the backend's problem details."""
        return {"text": self.text, "params": dict(self.params)}
