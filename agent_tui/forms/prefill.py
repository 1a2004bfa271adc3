"""Prefilled answers: where they come from (the popped customer, the ringing call) and how a screen's
`prefill` path (`customer.phones[0]`, `call.number`) finds its value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent_tui.domain.base import JsonScalar

_INDEXED = re.compile(r"^([a-z_][a-z0-9_]*)(?:\[([0-9]+)\])?$")


@dataclass(frozen=True)
class PrefillContext:
    """Where prefilled answers come from: the popped customer and the ringing call.

    `customer` is a `Customer` or a mapping with its attributes; `call` a mapping or an object with
    `number`, `display`, `queue`, `call_id`, `account`, `customer_id`.
    """

    customer: Any = None
    call: Any = None


def resolve_prefill(path: str, context: PrefillContext) -> JsonScalar:
    """The value `path` (`customer.phones[0]`, `call.number`) names in `context`, or None."""
    root, _, rest = path.partition(".")
    node: Any = {"customer": context.customer, "call": context.call}.get(root)
    for part in rest.split(".") if rest else []:
        match = _INDEXED.match(part)
        if node is None or match is None:
            return None
        name, index = match.group(1), match.group(2)
        node = node.get(name) if isinstance(node, Mapping) else getattr(node, name, None)
        if index is not None:
            position = int(index)
            node = node[position] if isinstance(node, list | tuple) and position < len(node) else None
    if node is None or isinstance(node, str | int | float | bool):
        return node
    return str(getattr(node, "value", node))  # enums and other simple objects: their text
