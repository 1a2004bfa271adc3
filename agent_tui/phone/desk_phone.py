"""The desk's softphone: the `PhoneEngine` behind the small interface the UI calls, made on first use."""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from agent_tui.config import Settings
from agent_tui.credential_access import Credentials

log = logging.getLogger(__name__)

PhoneListener = Callable[[Any], None]
"""Receives every phone event (`agent_tui.phone.events.PhoneEvent`) on the engine thread."""


class EnginePhone:
    """`PhoneControl` over `agent_tui.phone.engine.PhoneEngine`.

    With a `factory` the engine (and pjsua2 with it, ~0.1 s of imports) is made on first use, which is
    `start()` on the thread the desk starts the phone from after login: not before the first paint.
    """

    def __init__(self, engine: Any = None, *, factory: Callable[[], Any] | None = None) -> None:
        if engine is None and factory is None:
            raise ValueError("EnginePhone needs an engine or a factory")
        self._engine = engine
        self._factory = factory
        self._making = threading.Lock()
        self._listener: PhoneListener | None = None
        self.monitor_key: Callable[[], SecretStr | None] | None = None
        """Where the key verifying supervisors' monitor tokens comes from (read once, at start)."""

    @property
    def engine(self) -> Any:
        """The engine (made now if it was not yet)."""
        with self._making:
            if self._engine is None:
                assert self._factory is not None
                engine = self._factory()
                engine.set_listener(self._listener)
                self._engine = engine
            return self._engine

    def prepare(self) -> None:
        """Make the engine now (blocking: call it on a worker thread), so `start()` finds it made."""
        self.engine  # noqa: B018 - made on first access

    def set_listener(self, listener: PhoneListener | None) -> None:
        """Events go to `listener` on the engine thread."""
        with self._making:
            self._listener = listener
            if self._engine is not None:
                self._engine.set_listener(listener)

    def start(self) -> None:
        """Start the engine thread (with the monitor key from the backend's phone-config, if any)."""
        key = self.monitor_key() if self.monitor_key is not None else None
        if key is not None:
            self.engine.options = dataclasses.replace(self.engine.options, monitor_key=key)
        self.engine.start()

    def stop(self) -> None:
        """Stop it (hangs up every call); nothing to do when it was never made."""
        with self._making:
            engine = self._engine
        if engine is not None:
            engine.stop()

    def make_call(self, number: str, headers: Mapping[str, str] | None = None) -> str:
        """Dial."""
        return str(self.engine.make_call(number, dict(headers or {})))

    def answer(self, call_id: str) -> None:
        """Answer."""
        self.engine.answer(call_id)

    def reject(self, call_id: str) -> None:
        """486 Busy Here."""
        self.engine.reject(call_id)

    def hangup(self, call_id: str) -> None:
        """Hang up."""
        self.engine.hangup(call_id)

    def change_monitor_mode(self, call_id: str, mode: str, token: str) -> None:
        """Switch our monitoring call's mode within the call (the agent's phone checks `token`)."""
        self.engine.change_monitor_mode(call_id, mode, token)

    def hold(self, call_id: str) -> None:
        """Hold."""
        self.engine.hold(call_id)

    def resume(self, call_id: str) -> None:
        """Resume."""
        self.engine.resume(call_id)

    def mute(self, call_id: str, muted: bool) -> None:
        """Mute or unmute."""
        if muted:
            self.engine.mute(call_id)
        else:
            self.engine.unmute(call_id)

    def send_dtmf(self, call_id: str, digits: str) -> None:
        """DTMF by RFC 2833."""
        self.engine.send_dtmf(call_id, digits)

    def blind_transfer(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> None:
        """REFER with the case headers."""
        self.engine.blind_transfer(call_id, target, headers)

    def consult(self, call_id: str, target: str, headers: dict[str, str] | None = None) -> str:
        """Consult call with the case headers."""
        return str(self.engine.consult(call_id, target, headers))

    def complete_transfer(self, call_id: str, consult_call_id: str) -> None:
        """Attended transfer."""
        self.engine.complete_transfer(call_id, consult_call_id)

    def switch_audio(self, output: str | None, input_device: str | None = None) -> None:
        """Move the earpiece (or the microphone) to another sound device; the call goes on."""
        self.engine.switch_audio(output, input_device)

    def sip_trace(self, call_id: str) -> list[Any]:
        """The SIP messages of the call (`agent_tui.phone.sip_trace.SipMessage`); none before the engine."""
        with self._making:
            engine = self._engine
        return list(engine.sip_trace(call_id)) if engine is not None else []

    def conference(self, call_ids: Sequence[str]) -> None:
        """Three-way with the first two calls."""
        if len(call_ids) >= 2:
            self.engine.conference(call_ids[0], call_ids[1])


def build_phone(settings: Settings, store: Credentials | None,
                listen: tuple[str, int] | None) -> EnginePhone | None:
    """The softphone, or None when pjsua2 is not installed (the desk still works without calls).

    The engine itself is made when the phone starts (see EnginePhone).
    """
    if importlib.util.find_spec("pjsua2") is None:
        log.warning("no softphone: pjsua2 is not installed")
        return None

    def password_for(user: str, domain: str) -> SecretStr | None:
        env = os.environ.get("AGENT_TUI_SIP_PASSWORD")
        if env:
            return SecretStr(env)
        if store is None:
            return None
        from agent_tui.credentials import sip_key

        try:
            return store.get(sip_key(user, domain))
        except Exception:
            return None

    def make() -> Any:
        from agent_tui.phone.audio_devices import sound_available
        from agent_tui.phone.engine import PhoneEngine
        from agent_tui.phone.from_settings import audio_off, engine_options

        # With "null" configured, PortAudio is not even asked (starting it costs ~20 MB and 0.1 s).
        headless = audio_off(settings) or not sound_available()
        options = engine_options(settings, password_for, headless=headless)
        if listen is not None:
            options = dataclasses.replace(options, accounts=(), listen=listen)
        return PhoneEngine(options)

    return EnginePhone(factory=make)
