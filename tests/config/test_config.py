"""Settings: defaults, the example file, environment overrides, and messages for broken files."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from agent_tui import paths
from agent_tui.config import (
    SECRET_MESSAGE,
    ConfigError,
    Settings,
    load_config,
)
from tests.config.test_tomlfile import dump_toml

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config.example.toml"
BROKEN = Path(__file__).resolve().parent / "broken"
EXPECT = re.compile(rb"^# expect: (.*)$")


def _expected(path: Path) -> list[str]:
    """The `# expect: LINE: key: message` lines at the top of a broken config."""
    out: list[str] = []
    for raw in path.read_bytes().split(b"\n"):
        found = EXPECT.match(raw)
        if not found:
            break
        out.append(f"{path}:{found.group(1).decode()}")
    return out


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent_tui.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _sections(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Every (section path, key) of the settings, nested sections included."""
    out: list[tuple[tuple[str, ...], str]] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        candidate = inner[0] if inner else annotation
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            out.extend(_sections(candidate, (*prefix, name)))
        else:
            out.append((prefix, name))
    return out


# -- defaults and files ----------------------------------------------------------------------------


def test_no_file_gives_defaults() -> None:
    assert not paths.default_config_file().exists()
    loaded = load_config()
    assert loaded == Settings()
    assert loaded.backend.url == "http://127.0.0.1:8080"
    assert loaded.sip.mode == "listen"
    assert loaded.sip.codecs == ["PCMA/8000", "PCMU/8000", "G722/16000"]
    assert loaded.recording.directory is None
    assert loaded.recording.resolve_directory() == paths.recordings_dir()


def test_empty_file_is_valid(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    assert load_config(empty) == Settings()


def test_missing_named_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(missing)
    assert [str(p) for p in caught.value.problems] == [
        f"{missing}: cannot read file: No such file or directory"
    ]
    monkeypatch.setenv("AGENT_TUI_CONFIG", str(missing))
    with pytest.raises(ConfigError):
        load_config()


def test_config_env_var_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    named = tmp_path / "named.toml"
    named.write_text('[ui]\ntheme = "light"\n')
    monkeypatch.setenv("AGENT_TUI_CONFIG", str(named))
    assert load_config().ui.theme == "light"


def test_settings_are_frozen() -> None:
    loaded = load_config()
    with pytest.raises(ValidationError):
        loaded.ui.theme = "light"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        loaded.ui = loaded.ui  # type: ignore[misc]


def test_accounts_imply_registrar_mode(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('[[sip.accounts]]\nuser = "1001"\ndomain = "pbx.example.com"\n')
    loaded = load_config(file)
    assert loaded.sip.mode == "registrar"
    assert loaded.sip.accounts[0].registrar_uris == ["sip:pbx.example.com"]
    assert loaded.sip.accounts[0].key == "1001@pbx.example.com"


def test_paths_expand_home(tmp_path: Path, isolated_dirs: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text('[recording]\ndirectory = "~/rec"\n[logging]\nfile = "~/logs/a.log"\nlevel = "debug"\n')
    loaded = load_config(file)
    assert loaded.recording.directory == isolated_dirs / "rec"
    assert loaded.logging.file == isolated_dirs / "logs" / "a.log"
    assert loaded.logging.level == "DEBUG"
    assert loaded.sip.listen_address == ("127.0.0.1", 5060)


# -- the example -----------------------------------------------------------------------------------


def test_example_loads() -> None:
    loaded = load_config(EXAMPLE)
    assert loaded.sip.mode == "registrar"
    assert loaded.sip.accounts[0].registrar_uris == ["sip:pbx1.example.com:5060", "sip:pbx2.example.com:5060"]
    assert loaded.backend.username == "agent01"


def test_example_documents_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    lines = text.split("\n")
    missing = []
    for section, key in _sections(Settings):
        header = "[" + ".".join(section) + "]"
        starts = [i for i, line in enumerate(lines) if line.strip() in (header, f"[{header}]")]
        assert starts, f"no {header} table in the example"
        start = starts[0]
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
        # The key is set, or shown commented out, within its table, right after a comment explaining it.
        found = [i for i in range(start, end) if re.match(rf"^(# )?{re.escape(key)} = ", lines[i])]
        # A table-valued key (ui.keymap) may have its own [table] instead.
        found += [i for i, line in enumerate(lines) if line.strip() == "[" + ".".join((*section, key)) + "]"]
        if not found or not lines[found[0] - 1].startswith("#"):
            missing.append(".".join((*section, key)))
    assert missing == []
    assert set(data) == set(Settings.model_fields)


def field_docstrings(source: str) -> dict[str, dict[str, str]]:
    """`class → field → docstring` for the annotated fields of every class in `source` whose next
    statement is a string (the attribute docstring convention)."""
    found: dict[str, dict[str, str]] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        docs = found.setdefault(node.name, {})
        for statement, following in zip(node.body, [*node.body[1:], None], strict=True):
            if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
                continue
            if (isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                    and isinstance(following.value.value, str)):
                docs[statement.target.id] = following.value.value.strip()
    return found


def test_every_setting_has_a_docstring() -> None:
    import agent_tui.config as config_module

    # The sections live in the modules of the config package; class names are unique across them.
    docs: dict[str, dict[str, str]] = {}
    for module in sorted(Path(config_module.__file__).parent.glob("*.py")):
        docs.update(field_docstrings(module.read_text(encoding="utf-8")))
    checked: list[str] = []

    def check(model: type[BaseModel]) -> None:
        assert model.__doc__, model
        for name, field in model.model_fields.items():
            # The docstring sits in the class that declares the field (a base class, for inherited ones).
            owners = [base.__name__ for base in model.__mro__ if name in docs.get(base.__name__, {})]
            assert owners, f"{model.__name__}.{name} has no docstring"
            checked.append(f"{model.__name__}.{name}")
            annotation = field.annotation
            inner = getattr(annotation, "__args__", None)
            candidate = inner[0] if inner else annotation
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                check(candidate)

    check(Settings)
    assert len(checked) > 20


def test_field_docstrings_reader_sees_a_missing_one() -> None:
    source = 'class A:\n    x: int = 1\n    """Documented."""\n    y: int = 2\n    z: int = 3\n    """Z."""\n'
    assert field_docstrings(source) == {"A": {"x": "Documented.", "z": "Z."}}


# -- broken files ----------------------------------------------------------------------------------


BROKEN_FILES = sorted(BROKEN.glob("*.toml"))


def test_broken_folder_covers_the_cases() -> None:
    names = {path.stem for path in BROKEN_FILES}
    assert {
        "syntax_error",
        "unknown_top_level",
        "unknown_nested",
        "wrong_type",
        "bad_enum",
        "password_key",
        "bad_url",
        "bad_host_port",
        "invalid_utf8",
    } <= names


@pytest.mark.parametrize("path", BROKEN_FILES, ids=[p.stem for p in BROKEN_FILES])
def test_broken_config_message(path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path.name} has no '# expect:' line"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert [str(problem) for problem in caught.value.problems] == expected


def test_password_never_echoed() -> None:
    path = BROKEN / "password_key.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "hunter2" not in str(caught.value)
    assert SECRET_MESSAGE in str(caught.value)


# -- environment -----------------------------------------------------------------------------------


def test_env_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "c.toml"
    file.write_text('[backend]\nurl = "http://file.example:8080"\nusername = "agent07"\n[ui]\nmouse = true\n')
    monkeypatch.setenv("AGENT_TUI_BACKEND__URL", "https://env.example/")
    monkeypatch.setenv("agent_tui_ui__mouse", "false")
    monkeypatch.setenv("AGENT_TUI_SIP__CODECS", '["PCMU/8000"]')
    loaded = load_config(file)
    assert loaded.backend.url == "https://env.example"
    assert loaded.backend.username == "agent07"  # the rest of the section still comes from the file
    assert loaded.ui.mouse is False
    assert loaded.sip.codecs == ["PCMU/8000"]


def test_env_errors_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_TUI_UI__THEME", "pink")
    monkeypatch.setenv("AGENT_TUI_BACKEND__PASSWORD", "hunter2")
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert sorted(str(p) for p in caught.value.problems) == [
        f"$AGENT_TUI_BACKEND__PASSWORD: backend.password: {SECRET_MESSAGE}",
        "$AGENT_TUI_UI__THEME: ui.theme: expected one of 'dark', 'light', 'high-contrast', 'monochrome', "
        "got string 'pink'",
    ]
    assert "hunter2" not in str(caught.value)


def test_env_bad_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_TUI_SIP__CODECS", '["PCMU/8000"')
    with pytest.raises(ConfigError) as caught:
        load_config()
    [problem] = caught.value.problems
    assert problem.source == "$AGENT_TUI_SIP__CODECS"
    assert problem.key == "sip.codecs"
    assert problem.message.startswith("invalid JSON")


# -- the command line ------------------------------------------------------------------------------


def test_cli_check_ok() -> None:
    done = _cli("config", "check", str(EXAMPLE))
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{EXAMPLE}: ok\n", "")


def test_cli_check_broken() -> None:
    path = BROKEN / "several_errors.toml"
    done = _cli("config", "check", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == _expected(path)


def test_cli_check_missing_file(tmp_path: Path) -> None:
    done = _cli("config", "check", str(tmp_path / "nope.toml"))
    assert done.returncode == 2
    assert "cannot read file" in done.stderr


def test_cli_path_honours_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_dirs: Path) -> None:
    done = _cli("config", "path")
    assert (done.returncode, done.stdout) == (
        0,
        f"{isolated_dirs / 'config' / 'agent-tui' / 'config.toml'}\n",
    )
    monkeypatch.setenv("AGENT_TUI_CONFIG", str(tmp_path / "x.toml"))
    done = _cli("config", "path")
    assert (done.returncode, done.stdout) == (0, f"{tmp_path / 'x.toml'}\n")


# -- robustness ------------------------------------------------------------------------------------

_FRAGMENTS = [
    "[backend]",
    "[sip]",
    "[[sip.accounts]]",
    "[ui]",
    "[ui.keymap]",
    "[desk]",
    "[audio]",
    "[logging]",
    "[recording]",
    "url = ",
    "user = ",
    "domain = ",
    "listen = ",
    "theme = ",
    "codecs = ",
    "password = ",
    "mode = ",
    "capture_device = ",
    "directory = ",
    "acw_seconds = ",
    "keep_days = ",
    "a.b = ",
    "_x = ",
    '"http://h:1"',
    '"sip:x"',
    '"1.2.3.4:5"',
    "true",
    "1",
    "-7",
    "3.5",
    "[1, 'a']",
    "{ x = 1 }",
    '"""',
    "'''",
    "#",
    "=",
    "[",
    "]",
    "{",
    "}",
    ",",
    '"',
    "\\",
    "\n",
    " ",
    "\x00",
    "\xe9",
    "\ud7ff",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=5), max_size=30), st.booleans())
def test_loader_raises_only_config_error(tmp_path: Path, parts: list[str], latin1: bool) -> None:
    file = tmp_path / "fuzz.toml"
    text = "".join(parts)
    file.write_bytes(
        text.encode("latin-1", errors="replace") if latin1 else text.encode("utf-8", "surrogatepass")
    )
    problems = []
    try:
        loaded = load_config(file)
    except ConfigError as exc:
        problems = exc.problems
    else:
        assert isinstance(loaded, Settings)
        return
    assert problems
    for problem in problems:
        assert str(problem).startswith(str(file))


_FIELD_NAMES = sorted(
    {key for _, key in _sections(Settings)} | set(Settings.model_fields) | {"accounts", "x"}
)
_SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(max_size=12),
    st.sampled_from(["udp", "registrar", "listen", "dark", "sip:h", "1.2.3.4:5", "http://h", "~/x", "null"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_FIELD_NAMES), inner, max_size=4)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from([*Settings.model_fields, "phone"]), _VALUES, max_size=5))
def test_loader_on_valid_toml_raises_only_config_error(tmp_path: Path, data: dict[str, object]) -> None:
    file = tmp_path / "fuzz.toml"
    file.write_text(dump_toml(data), encoding="utf-8")
    problems = []
    try:
        load_config(file)
    except ConfigError as exc:
        problems = exc.problems
    # Every problem in a file that parses is located on a line.
    assert all(str(p).startswith(f"{file}:") for p in problems), problems


def test_unrelated_agent_tui_variables_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    # CI and scripts set these; they are not settings and must not be taken for unknown keys.
    monkeypatch.setenv("AGENT_TUI_REQUIRE_PEERS", "1")
    monkeypatch.setenv("AGENT_TUI_SIP_PASSWORD", "hunter2")
    assert load_config() == Settings()
