"""Load a TOML file and remember on which line each key was defined.

`tomllib` parses, but forgets positions. Error messages for people must name the line, so a small
scanner walks the (already validated) text once more and records the line of every table header,
array-of-tables item, key, inline-table key and array element. The scanner only has to understand
valid TOML: `load_toml` runs it after `tomllib` accepted the text.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Loc = tuple[str | int, ...]
"""A position in the parsed data: table keys and list indexes, outermost first."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOMLLIB_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOMLLIB_END = re.compile(r"\s*\(at end of document\)\s*$")
_SCALAR_END = frozenset(",]}\n#")


class TomlError(Exception):
    """A problem in a TOML file, located by file, line and dotted key."""

    def __init__(self, path: Path, line: int | None, key: str, message: str) -> None:
        super().__init__(path, line, key, message)
        self.path = path
        self.line = line
        self.key = key
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


@dataclass(frozen=True)
class TomlDocument:
    """A parsed TOML file together with the line of each key it defines."""

    path: Path
    """The file the data came from."""
    data: dict[str, Any]
    """What `tomllib` parsed."""
    lines: dict[Loc, int] = field(default_factory=dict, repr=False)
    """Line (1-based) of each defined key, table, array-of-tables item and array element."""

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The line where `loc` is defined.

        For a location that does not exist (a missing key, or a path that validation invented), the
        line of its nearest existing parent; None when not even a parent is known.
        """
        path = tuple(loc)
        while path:
            line = self.lines.get(path)
            if line is not None:
                return line
            path = path[:-1]
        return None


def load_toml(path: Path) -> TomlDocument:
    """Read and parse `path`; raise TomlError for unreadable files, bad UTF-8 and syntax errors."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise TomlError(path, None, "", f"cannot read file: {reason}") from exc
    return parse_toml(raw, path)


def parse_toml(raw: bytes | str, path: Path) -> TomlDocument:
    """Parse TOML given as bytes or text; `path` is only used in positions and messages."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
            bad = raw[exc.start : exc.start + 1].hex()
            key = _key_at_line(raw.decode("utf-8", errors="replace"), line)
            raise TomlError(path, line, key, f"invalid UTF-8 (byte 0x{bad} at column {column})") from None
    else:
        text = raw
    if text.startswith("\ufeff"):
        # A byte-order mark is common from Windows editors and harmless; tomllib rejects it.
        text = text[1:]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, text, str(exc)) from None
    scanner = _Scanner(text)
    scanner.run()
    return TomlDocument(path=path, data=data, lines=scanner.lines)


def dotted(loc: Sequence[str | int]) -> str:
    """Render a location as people write it: `sip.accounts[0].user`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = part if _BARE_KEY.fullmatch(part) else '"' + part.replace('"', '\\"') + '"'
            out += f".{name}" if out else name
    return out


def validation_problem(data: Mapping[str, Any], errors: Sequence[Mapping[str, Any]]) -> tuple[Loc, str]:
    """Where in `data` the first of pydantic's `errors` (`exc.errors()`) lies, and a message for people.

    Shared by the loaders of screens and scenarios, which report it as `FILE:LINE: key: message`.
    """
    first = errors[0]
    loc = data_loc(data, first["loc"], missing=first["type"] == "missing")
    message = str(first["msg"])
    if first["type"] == "value_error":
        message = message.removeprefix("Value error, ")
    elif first["type"] == "extra_forbidden":
        message = "unknown key"
    elif any(isinstance(part, str) and "str" in part for part in first["loc"][len(loc) : len(loc) + 1]):
        # A LocalizedText failed both ways; pydantic's messages would name the union's members.
        message = 'expected text, or a table of languages like { en = "...", zh = "..." }'
    others = {data_loc(data, e["loc"], missing=e["type"] == "missing") for e in errors} - {loc}
    if others:
        message += f" (and {len(others)} more problems)"
    return loc, message


def data_loc(data: Any, loc: Sequence[str | int], *, missing: bool) -> Loc:
    """The part of a pydantic error location that exists in the data.

    Pydantic adds the names of union members (`str`, `dict[str,str]`) to locations; they are dropped so
    the key shown is one the author wrote. A missing key is kept, named under its table.
    """
    kept: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        if isinstance(node, Mapping) and isinstance(part, str):
            if part in node:
                node = node[part]
                kept.append(part)
                continue
            if missing and index == len(loc) - 1:
                kept.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            kept.append(part)
            continue
        break
    return tuple(kept)


def _syntax_error(path: Path, text: str, message: str) -> TomlError:
    line: int | None = None
    found = _TOMLLIB_POSITION.search(message)
    if found:
        line = int(found.group(1))
        message = message[: found.start()]
    else:
        end = _TOMLLIB_END.search(message)
        if end:
            message = message[: end.start()]
            line = text.count("\n") + 1
    key = _key_at_line(text, line) if line is not None else ""
    return TomlError(path, line, key, f"TOML syntax error: {message.strip()}")


def _key_at_line(text: str, line: int) -> str:
    """Best guess of the dotted key being defined on `line`, for messages about text that does not parse."""
    lines = text.split("\n")
    # The table in force at that line, from the text before it, and the key on the line itself.
    before = _Scanner("\n".join(lines[: line - 1]))
    before.run()
    on_line = _Scanner(lines[line - 1] if line - 1 < len(lines) else "")
    on_line.skip_space(newlines=False)
    own: list[str] = []
    if on_line.peek() not in ("[", "", "#"):
        try:
            own = on_line.parse_key()
        except _Malformed:
            own = []
    return dotted(before.table + tuple(own))


class _Malformed(Exception):
    """The scanner met text it does not understand; it skips to the next line."""


class _Scanner:
    """Walks TOML text and records the line where each key is defined."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1
        self.lines: dict[Loc, int] = {}
        self.table: Loc = ()
        self._explicit: set[Loc] = set()
        self._aot_counts: dict[Loc, int] = {}

    # -- low level -------------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.text[j] if j < len(self.text) else ""

    def _advance(self, count: int = 1) -> None:
        end = min(self.i + count, len(self.text))
        self.line += self.text.count("\n", self.i, end)
        self.i = end

    def _expect(self, char: str) -> None:
        if self.peek() != char:
            raise _Malformed
        self._advance()

    def skip_space(self, *, newlines: bool) -> None:
        while self.i < len(self.text):
            char = self.text[self.i]
            if char in " \t\r" or (newlines and char == "\n"):
                self._advance()
            elif char == "#":
                end = self.text.find("\n", self.i)
                self._advance((len(self.text) if end < 0 else end) - self.i)
            else:
                return

    def _skip_line(self) -> None:
        end = self.text.find("\n", self.i)
        self._advance((len(self.text) if end < 0 else end + 1) - self.i)

    def _record(self, loc: Loc, line: int, *, explicit: bool) -> None:
        if explicit:
            if loc not in self._explicit:
                self._explicit.add(loc)
                self.lines[loc] = line
        else:
            self.lines.setdefault(loc, line)

    # -- statements ------------------------------------------------------------------------------

    def run(self) -> None:
        """Scan the whole text; a statement it cannot follow is skipped, never fatal."""
        while True:
            self.skip_space(newlines=True)
            if self.i >= len(self.text):
                return
            start = self.i
            try:
                if self.peek() == "[":
                    self._header()
                else:
                    self._key_value(self.table)
                self.skip_space(newlines=False)
                if self.peek() not in ("\n", ""):
                    raise _Malformed
            except _Malformed:
                if self.i == start or self.peek() != "\n":
                    self._skip_line()

    def _header(self) -> None:
        line = self.line
        array = self.peek(1) == "["
        self._advance(2 if array else 1)
        self.skip_space(newlines=False)
        keys = self.parse_key()
        self.skip_space(newlines=False)
        self._expect("]")
        if array:
            self._expect("]")
        parents = keys[:-1] if array else keys
        concrete: Loc = ()
        for key in parents:
            concrete = (*concrete, key)
            self._record(concrete, line, explicit=False)
            count = self._aot_counts.get(concrete)
            if count is not None:
                # A key naming an array of tables means its last item so far.
                concrete = (*concrete, count - 1)
        if array:
            concrete = (*concrete, keys[-1])
            index = self._aot_counts.get(concrete, 0)
            self._aot_counts[concrete] = index + 1
            self._record(concrete, line, explicit=False)
            concrete = (*concrete, index)
        self._record(concrete, line, explicit=True)
        self.table = concrete

    def _key_value(self, table: Loc) -> None:
        line = self.line
        keys = self.parse_key()
        self.skip_space(newlines=False)
        self._expect("=")
        self.skip_space(newlines=False)
        loc = table
        for key in keys[:-1]:
            loc = (*loc, key)
            self._record(loc, line, explicit=False)
        loc = (*loc, keys[-1])
        self._record(loc, line, explicit=True)
        self._value(loc)

    # -- keys ------------------------------------------------------------------------------------

    def parse_key(self) -> list[str]:
        """A dotted key at the cursor, as its parts."""
        parts = [self._simple_key()]
        while True:
            save_i, save_line = self.i, self.line
            self.skip_space(newlines=False)
            if self.peek() != ".":
                self.i, self.line = save_i, save_line
                return parts
            self._advance()
            self.skip_space(newlines=False)
            parts.append(self._simple_key())

    def _simple_key(self) -> str:
        char = self.peek()
        if char in ('"', "'"):
            start = self.i
            self._single_line_string(char)
            try:
                # Let tomllib decode the escapes of a quoted key instead of reimplementing them.
                value = tomllib.loads("k = " + self.text[start : self.i])["k"]
            except tomllib.TOMLDecodeError:
                raise _Malformed from None
            return str(value)
        found = _BARE_KEY.match(self.text, self.i)
        if not found:
            raise _Malformed
        self._advance(found.end() - self.i)
        return found.group()

    # -- values ----------------------------------------------------------------------------------

    def _value(self, loc: Loc) -> None:
        char = self.peek()
        if self.text.startswith('"""', self.i) or self.text.startswith("'''", self.i):
            self._multi_line_string(char)
        elif char in ('"', "'"):
            self._single_line_string(char)
        elif char == "[":
            self._array(loc)
        elif char == "{":
            self._inline_table(loc)
        else:
            start = self.i
            while self.i < len(self.text) and self.text[self.i] not in _SCALAR_END:
                self._advance()
            if self.i == start:
                raise _Malformed

    def _single_line_string(self, quote: str) -> None:
        self._advance()
        while True:
            char = self.peek()
            if char in ("", "\n"):
                raise _Malformed
            if char == "\\" and quote == '"':
                self._advance(2)
                continue
            self._advance()
            if char == quote:
                return

    def _multi_line_string(self, quote: str) -> None:
        delimiter = quote * 3
        self._advance(3)
        while True:
            if self.i >= len(self.text):
                raise _Malformed
            if quote == '"' and self.peek() == "\\":
                self._advance(2)
                continue
            if self.text.startswith(delimiter, self.i):
                self._advance(3)
                # Up to two more quotes just before the closing delimiter belong to the content.
                for _ in range(2):
                    if self.peek() == quote:
                        self._advance()
                return
            self._advance()

    def _array(self, loc: Loc) -> None:
        self._advance()
        index = 0
        while True:
            self.skip_space(newlines=True)
            if self.peek() == "]":
                self._advance()
                return
            if self.peek() == "":
                raise _Malformed
            item = (*loc, index)
            self._record(item, self.line, explicit=True)
            self._value(item)
            index += 1
            self.skip_space(newlines=True)
            if self.peek() == ",":
                self._advance()
            elif self.peek() != "]":
                raise _Malformed

    def _inline_table(self, loc: Loc) -> None:
        self._advance()
        while True:
            # Newlines are tolerated although TOML 1.0 forbids them here: best effort, never fatal.
            self.skip_space(newlines=True)
            if self.peek() == "}":
                self._advance()
                return
            self._key_value(loc)
            self.skip_space(newlines=True)
            if self.peek() == ",":
                self._advance()
            elif self.peek() != "}":
                raise _Malformed
