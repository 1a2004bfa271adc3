"""Issue 15, login: no SIP password in listen mode; a failure says why and names the backend."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from agent_tui.domain.base import Problem
from agent_tui.i18n import Translator
from agent_tui.sync.errors import AuthenticationRequired, BackendUnavailable
from agent_tui.ui.common.login_form import login_failure_text
from agent_tui.ui.common.options import DeskOptions
from agent_tui.ui.desk.login import LoginScreen
from tests.ui.helpers import make_app, screen_text, wait_until

URL = "https://crm.example:8443"


class OpenSecrets:
    """A credential store that is unlocked already and keeps nothing."""

    def needs_passphrase(self) -> bool:
        return False

    def passphrase_is_new(self) -> bool:
        return False

    def unlock(self, passphrase: SecretStr) -> bool:
        return True

    def get(self, name: str) -> SecretStr | None:
        return None

    def set(self, name: str, value: SecretStr) -> None:
        return None


@pytest.mark.parametrize("language", ["en", "zh"])
def test_failure_says_wrong_password_or_backend_down(language: str) -> None:
    t = Translator(language)
    wrong = AuthenticationRequired(401, Problem(title="Unauthorized", status=401))
    refused = login_failure_text(t, wrong, URL)
    down = login_failure_text(t, BackendUnavailable("connection refused"), URL)
    assert URL in refused
    assert URL in down
    assert refused != down
    assert refused == t.t("Login failed: {url} refused this user name and password.", url=URL)
    assert down == t.t("Login failed: the backend at {url} cannot be reached. Is it running?", url=URL)


@pytest.mark.parametrize("registrar", [False, True])
async def test_sip_password_only_asked_with_a_registrar(registrar: bool) -> None:
    options = DeskOptions(username="agent1", backend_url=URL, sip_password_asked=registrar)
    app, _, _, _ = make_app(options=options, password=None)
    app.services.secrets = OpenSecrets()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), what="the login")
        assert bool(app.screen.query("#login-sip")) == registrar
        assert bool(app.screen.query("#login-remember")) == registrar
        if registrar:
            return
        await pilot.click("#login-password")
        await pilot.press(*"wrong", "enter")
        await wait_until(pilot, lambda: "refused" in screen_text(app), what="the login error")
        assert URL in screen_text(app)


class LockedSecrets(OpenSecrets):
    """A credential file that exists and is locked."""

    def needs_passphrase(self) -> bool:
        return True


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_the_passphrase_field_is_explained(language: str) -> None:
    t = Translator(language)
    app, _, _, _ = make_app(options=DeskOptions(username="agent1", language=language), password=None)
    app.services.secrets = LockedSecrets()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LoginScreen), what="the login")
        await pilot.pause()
        text = screen_text(app)
        assert t.t("Passphrase of the credential file") in text
        assert t.t("Your own passphrase that locks the SIP password saved here.") in text
        assert t.t("Not the backend password. Asked once at each start.") in text
