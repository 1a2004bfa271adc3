"""The TOML loader: data as tomllib parses it, plus the line of every key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_tui.tomlfile import TomlDocument, TomlError, dotted, load_toml, parse_toml

SAMPLE = """\
# a comment
title = "x"
[backend]
url = "http://a"   # trailing comment
"quoted.key" = 1
multi = \"\"\"
[not_a_table]
\"\"\"
lit = '''
x = 1'''
a.b.c = 2
[[sip.accounts]]
user = "1001"
registrars = [
  "sip:a",  # comment inside an array
  "sip:b",
]
[[sip.accounts]]
user = "1002"
inline = { x = 1, y = { z = [1, 2] } }
[[sip.accounts.sub]]
q = 1
"""


@pytest.fixture
def doc(tmp_path: Path) -> TomlDocument:
    path = tmp_path / "sample.toml"
    path.write_text(SAMPLE, encoding="utf-8")
    return load_toml(path)


def test_data_matches_tomllib(doc: TomlDocument) -> None:
    assert doc.data == tomllib.loads(SAMPLE)


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        (["title"], 2),
        (["backend"], 3),
        (["backend", "url"], 4),
        (["backend", "quoted.key"], 5),
        (["backend", "multi"], 6),
        (["backend", "a", "b", "c"], 11),
        (["sip", "accounts", 0], 12),
        (["sip", "accounts", 0, "user"], 13),
        (["sip", "accounts", 0, "registrars", 1], 16),
        (["sip", "accounts", 1], 18),
        (["sip", "accounts", 1, "inline", "y", "z", 1], 20),
        (["sip", "accounts", 1, "sub", 0, "q"], 22),
    ],
)
def test_line_of_defined_keys(doc: TomlDocument, loc: list[str | int], line: int) -> None:
    assert doc.line_of(loc) == line


def test_line_of_missing_key_is_nearest_parent(doc: TomlDocument) -> None:
    assert doc.line_of(["sip", "accounts", 1, "missing"]) == 18
    assert doc.line_of(["backend", "nope", "deeper"]) == 3
    assert doc.line_of(["not_a_table"]) is None


def test_syntax_error_names_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("a = 1\n[backend]\nurl = http://x\n", encoding="utf-8")
    with pytest.raises(TomlError) as caught:
        load_toml(path)
    assert caught.value.line == 3
    assert caught.value.key == "backend.url"
    assert str(caught.value) == f"{path}:3: backend.url: TOML syntax error: Invalid value"


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(b'a = 1\nb = "\xff"\n')
    with pytest.raises(TomlError) as caught:
        load_toml(path)
    assert caught.value.line == 2
    assert "invalid UTF-8" in caught.value.message


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(TomlError) as caught:
        load_toml(tmp_path / "missing.toml")
    assert caught.value.line is None
    assert str(caught.value).endswith("missing.toml: cannot read file: No such file or directory")


def test_dotted_rendering() -> None:
    assert dotted(["sip", "accounts", 0, "user"]) == "sip.accounts[0].user"
    assert dotted(["ui", "keymap", "a.b"]) == 'ui.keymap."a.b"'


_keys = st.text(alphabet="abc_-.\"' ", min_size=1, max_size=6)
_values = st.recursive(
    st.integers() | st.text(max_size=8) | st.booleans(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=8,
)


def dump_toml(data: dict[str, object], prefix: str = "") -> str:
    """A minimal TOML writer for the round-trip property (tables as headers, the rest inline)."""

    def key(k: str) -> str:
        return '"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, str):
            return (
                '"'
                + "".join(c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in v)
                + '"'
            )
        if isinstance(v, list):
            return "[\n" + "".join(f"  {value(x)},\n" for x in v) + "]"
        assert isinstance(v, dict)
        return "{ " + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + " }"

    plain = [f"{key(k)} = {value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    out = "\n".join(plain) + "\n"
    for k, v in data.items():
        if isinstance(v, dict):
            name = f"{prefix}.{key(k)}" if prefix else key(k)
            out += f"[{name}]\n" + dump_toml(v, name)
    return out


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=4))
def test_every_key_gets_a_line(data: dict[str, object]) -> None:
    text = dump_toml(data)
    doc = parse_toml(text, Path("x.toml"))
    assert doc.data == data

    def walk(node: object, loc: tuple[str | int, ...]) -> None:
        if loc:
            assert loc in doc.lines, (loc, text)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*loc, k))
        elif isinstance(node, list) and loc:
            for i, v in enumerate(node):
                walk(v, (*loc, i))

    walk(data, ())
