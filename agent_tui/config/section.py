"""What every settings section shares: the frozen, strict base model and the file path type."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict


class Section(BaseModel):
    """Base of every settings section: frozen, strict about unknown keys, documented fields.

    Each field has a docstring under it (tests/config checks them in the source). pydantic's
    `use_attribute_docstrings` would copy them into the field descriptions, but it reads and parses
    its module's source for every model when the module is imported (~30 ms of every start-up), and
    nothing reads the descriptions at run time.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


def _to_path(value: object) -> object:
    # TOML has no path type: accept strings even when checking strictly, and expand `~`.
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("expected a file path, got an empty string")
        return Path(value).expanduser()
    return value


FilePath = Annotated[Path, BeforeValidator(_to_path)]
"""A file or folder path; `~` is expanded."""
