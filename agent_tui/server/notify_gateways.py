"""The real gateways of customer messages: an MTA over SMTP, and Kannel's `sendsms` HTTP interface.

Each send calls `hand_over()` just before the step the gateway cannot take back, and gives up without
taking it when that answers False (see `notifications` for why). Failures raise `SendError`, which
says whether trying again is safe: never when the gateway may already have the message.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate

import httpx

from agent_tui.server.aftercare_settings import SmsGateway, SmtpGateway
from agent_tui.server.notifications import Outgoing

HandOver = Callable[[], bool]


class SendError(Exception):
    """A message was not sent; `retry` is True when sending it again cannot make a duplicate."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class LeaseLost(Exception):
    """Our claim on the message ran out before the hand-over: another sender has it now."""


def email_bytes(gateway: SmtpGateway, message: Outgoing) -> bytes:
    """The e-mail as it goes after DATA: CRLF lines, dots doubled, ending in CRLF."""
    mail = EmailMessage(policy=SMTP_POLICY)
    mail["From"] = gateway.sender
    mail["To"] = message.address
    mail["Subject"] = " ".join(message.subject.split())  # a name with a line break must not end the header
    mail["Date"] = formatdate(localtime=False)
    domain = gateway.sender.rpartition("@")[2] or "agent-tui.invalid"
    mail["Message-ID"] = f"<notification-{message.id}@{domain}>"
    mail.set_content(message.body)
    data = mail.as_bytes()
    # DATA ends at a line holding one dot: lines starting with a dot get another (RFC 5321 4.5.2).
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def send_email(gateway: SmtpGateway, message: Outgoing, hand_over: HandOver) -> None:
    """Send over SMTP in two phases: the whole message, then (after the hand-over) the final dot.

    An MTA keeps nothing of a DATA that never got its final dot, so until then a retry is safe.
    """
    try:
        data = email_bytes(gateway, message)
    except (ValueError, TypeError) as exc:  # an address or text the e-mail format cannot carry
        raise SendError(f"cannot make the e-mail: {exc}", retry=False) from None
    try:
        smtp = smtplib.SMTP(gateway.host, gateway.port, timeout=gateway.timeout_s)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"cannot reach the MTA {gateway.host}:{gateway.port}: {exc}", retry=True) from None
    try:
        try:
            smtp.ehlo_or_helo_if_needed()
            if gateway.starttls:
                smtp.starttls()
                smtp.ehlo()
            _expect(smtp.mail(gateway.sender), (250,), "MAIL FROM")
            _expect(smtp.rcpt(message.address), (250, 251), "RCPT TO")
            _expect(smtp.docmd("DATA"), (354,), "DATA")
            smtp.send(data)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"SMTP: {exc}", retry=True) from None
        if not hand_over():
            raise LeaseLost()
        try:
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"no answer from the MTA after the message: {exc}", retry=False) from None
        # A refusal after the dot means the MTA did not take it; a 4xx is worth another try.
        _expect((code, reply), (250,), "end of DATA")
    finally:
        with contextlib.suppress(OSError):
            smtp.close()


def _expect(answer: tuple[int, bytes], codes: tuple[int, ...], step: str) -> None:
    code, reply = answer
    if code not in codes:
        text = reply.decode("utf-8", "replace")[:120]
        raise SendError(f"MTA refused at {step}: {code} {text}", retry=400 <= code < 500)


def send_sms(gateway: SmsGateway, message: Outgoing, hand_over: HandOver) -> None:
    """Send through Kannel's smsbox: `POST sendsms` with the text as the body, sent on as UCS-2.

    The parameters go in Kannel's `X-Kannel-*` headers rather than the query string, so the password
    is never part of a URL (HTTP clients log URLs); UCS-2 because Chinese needs it.
    """
    password = os.environ.get(gateway.password_env, "")
    headers = {
        "Content-Type": "text/plain; charset=UTF-8", "X-Kannel-Username": gateway.username,
        "X-Kannel-Password": password, "X-Kannel-To": message.address, "X-Kannel-From": gateway.sender,
        "X-Kannel-Coding": "2",
    }
    if not hand_over():
        raise LeaseLost()
    try:
        response = httpx.post(gateway.url, content=message.body.encode("utf-8"), headers=headers,
                              timeout=gateway.timeout_s)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise SendError(_clean(f"cannot reach the SMS gateway: {exc}", password), retry=True) from None
    except httpx.HTTPError as exc:
        reason = f"no answer from the SMS gateway after the request: {type(exc).__name__} {exc}"
        raise SendError(_clean(reason, password), retry=False) from None
    if response.status_code in (200, 202):
        return
    text = _clean(response.text.strip()[:120], password)
    # Kannel answers 503 when its queue is full (try later); 4xx is a request it will never take.
    raise SendError(f"SMS gateway refused: HTTP {response.status_code} {text}",
                    retry=response.status_code >= 500)


def _clean(text: str, secret: str) -> str:
    """Text that may quote the request, without the password (it ends up on the timeline)."""
    return text.replace(secret, "***") if secret else text
