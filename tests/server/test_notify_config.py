"""The `[notify]` and `[return_visits]` tables: templates are checked when the file loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_tui.config import ConfigError
from agent_tui.server.aftercare_settings import check_template
from agent_tui.server.settings import ServerSettings
from agent_tui.server.settings_file import read_settings_file


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "server.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_settings_file(path)
    return [str(problem) for problem in caught.value.problems]


def test_unknown_and_missing_placeholders_are_refused_with_file_line_and_key(tmp_path: Path) -> None:
    file = tmp_path / "server.toml"
    problems = _problems(tmp_path, (
        "[notify.templates.filed.zh]\n"
        'sms = "工单 {nmber}"\n'
        'subject = "工单"\n'
        'email = "您的工单已受理"\n'
    ))
    assert problems[0].startswith(f"{file}:2: notify.templates.filed.zh.sms: unknown placeholder {{nmber}}")
    email = f"{file}:4: notify.templates.filed.zh.email: missing placeholder {{number}}"
    assert problems[1].startswith(email)
    assert len(problems) == 2


def test_a_broken_brace_and_a_password_in_the_file_are_refused(tmp_path: Path) -> None:
    file = tmp_path / "server.toml"
    broken = _problems(tmp_path, '[notify.templates.fixed.en]\nsms = "order {number"\n')
    sms = f"{file}:2: notify.templates.fixed.en.sms: not a template"
    assert any(p.startswith(sms) for p in broken), broken
    assert f"{file}:1: notify.templates.fixed.en.subject: required key is missing" in broken
    secret = _problems(tmp_path, '[notify.sms]\nurl = "http://127.0.0.1:1/cgi-bin/sendsms"\nusername = "u"\n'
                                 'password = "pw"\n')
    unknown = "unknown key (see server.example.toml for the known keys)"
    assert secret == [f"{file}:4: notify.sms.password: {unknown}"]


def test_a_language_left_out_keeps_the_shipped_text(tmp_path: Path) -> None:
    path = tmp_path / "server.toml"
    path.write_text('[notify]\nlanguage = "en"\n[notify.templates.filed.zh]\nsms = "单号{number}"\n'
                    'subject = "{number}"\nemail = "单号{number}，{customer}"\n', encoding="utf-8")
    settings = ServerSettings.from_url("sqlite://", **read_settings_file(path))
    assert settings.notify.templates.filed.zh.sms == "单号{number}"
    assert settings.notify.templates.filed.en == ServerSettings.from_url("sqlite://").notify.templates.filed.en
    assert settings.notify.smtp is None
    assert settings.notify.sms is None


def test_check_template() -> None:
    assert check_template("{number} {customer} {type} {status} {{literal}}") != ""
    with pytest.raises(ValueError, match="unknown placeholder"):
        check_template("{number} {account}")
    with pytest.raises(ValueError, match="missing placeholder"):
        check_template("{customer}")
    assert check_template("{customer}", need_number=False) == "{customer}"
