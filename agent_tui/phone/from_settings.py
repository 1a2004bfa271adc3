"""Mapping the `[sip]` (and recording, logging, audio) settings onto `EngineOptions`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from agent_tui.phone.options import AccountOptions, EngineOptions, SrtpUse

if TYPE_CHECKING:
    from agent_tui.config import Settings

PasswordLookup = Callable[[str, str], SecretStr | None]
"""(user, domain) → the account's SIP password, from the credential store or the environment."""

_SRTP: dict[str, SrtpUse] = {"disabled": "off", "optional": "optional", "mandatory": "mandatory"}


def audio_off(settings: Settings) -> bool:
    """The config asks for no sound devices (`"null"` capture or playback): the phone runs headless."""
    return settings.audio.capture_device == "null" or settings.audio.playback_device == "null"


def engine_options(settings: Settings, password_for: PasswordLookup, *, headless: bool = True,
                   log_file: Path | None = None) -> EngineOptions:
    """EngineOptions for these settings; `password_for` supplies each account's password."""
    sip = settings.sip
    accounts: tuple[AccountOptions, ...] = ()
    if sip.mode == "registrar":
        accounts = tuple(
            AccountOptions(
                user=account.user,
                domain=account.domain,
                registrars=tuple(account.registrar_uris),
                transport=account.transport,
                srtp=_SRTP[account.srtp],
                expires_s=account.register_expires_s,
                health_interval_s=account.health_interval_s,
                health_timeout_s=account.health_timeout_s,
                display_name=account.display_name,
                auth_user=account.auth_user,
                password=password_for(account.user, account.domain),
                name=account.key,
            )
            for account in sip.accounts
        )
    first = sip.accounts[0] if sip.accounts else None
    recording = settings.recording if hasattr(settings, "recording") else None
    logging = settings.logging if hasattr(settings, "logging") else None
    audio = settings.audio
    null_audio = headless or audio_off(settings)
    return EngineOptions(
        accounts=accounts,
        listen=sip.listen_address,
        public_address=sip.public_address,
        tls_ca_file=sip.tls_ca_file,
        tls_verify_server=sip.tls_verify_server,
        codecs=tuple(sip.codecs),
        max_calls=sip.max_calls,
        auto_answer=sip.auto_answer,
        ring_timeout_s=settings.desk.ring_timeout_s,
        recording_dir=recording.resolve_directory() if recording is not None and recording.enabled else None,
        log_file=log_file if log_file is not None else (
            logging.resolve_file().with_name("pjsip.log") if logging is not None else None),
        log_level=logging.sip_level if logging is not None else 3,
        null_audio=null_audio,
        input_device=None if null_audio else str(audio.capture_device),
        output_device=None if null_audio else str(audio.playback_device),
        ring_device=None if null_audio or audio.ring_device == "null" else str(audio.ring_device),
        ring_file=audio.ring_file,
        ring_volume=audio.ring_volume,
        retry_interval_s=first.retry_interval_s if first is not None else 30,
        first_retry_interval_s=first.first_retry_interval_s if first is not None else 5,
        user_agent=sip.user_agent,
        ip_change_watch_s=sip.ip_change_watch_s,
    )
