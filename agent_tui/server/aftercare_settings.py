"""Settings of what happens after an order is filed or fixed: customer notification and return visits.

They are the `[notify]` and `[return_visits]` tables of the server's config file. Message templates
are checked when the file is loaded: a placeholder the server does not know, or a template without
the order number, is refused there (FILE:LINE: key: message) instead of when a customer is waiting.
Secrets stay out of the file: the SMS gateway's password is read from an environment variable whose
name the file gives.
"""

from __future__ import annotations

import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PLACEHOLDERS = frozenset({"number", "customer", "type", "status"})
"""What a template may use: the order number, the customer's name, the order's type and status."""

REQUIRED_PLACEHOLDER = "number"
"""Every template must tell the customer the order number."""

Channel = Literal["sms", "email"]
Language = Literal["zh", "en"]
NotifyEvent = Literal["filed", "fixed"]


def check_template(text: str, *, need_number: bool = True) -> str:
    """`text` when its placeholders are known (and the order number is in it); else ValueError."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise ValueError(f"not a template: {exc}") from None
    for name in names:
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
            raise ValueError(f"unknown placeholder {{{name}}} (known: {known})")
    if need_number and REQUIRED_PLACEHOLDER not in names:
        raise ValueError("missing placeholder {number}: the customer must get the order number")
    return text


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MessageTemplate(_Strict):
    """One message in one language: the SMS text, and the e-mail's subject and body."""

    sms: str = Field(min_length=1, max_length=500, description="SMS text (placeholders in braces).")
    subject: str = Field(min_length=1, max_length=200, description="E-mail subject.")
    email: str = Field(min_length=1, max_length=4000, description="E-mail body.")

    @field_validator("sms", "email")
    @classmethod
    def _has_number(cls, value: str) -> str:
        return check_template(value)

    @field_validator("subject")
    @classmethod
    def _known_only(cls, value: str) -> str:
        return check_template(value, need_number=False)


class EventTemplates(_Strict):
    """The message of one event (filed, fixed) in each language that ships."""

    zh: MessageTemplate
    en: MessageTemplate


_FILED_ZH = MessageTemplate(
    sms="【95598】尊敬的{customer}，您的工单已受理，工单号 {number}。",
    subject="工单 {number} 已受理",
    email="尊敬的{customer}：\n\n您的工单已受理，工单号 {number}。查询进度时请提供此号码。",
)
_FILED_EN = MessageTemplate(
    sms="[95598] Dear {customer}, your order {number} has been filed.",
    subject="Order {number} filed",
    email="Dear {customer},\n\nyour order has been filed. Its number is {number}; please give it "
    "when you ask about it.",
)
_FIXED_ZH = MessageTemplate(
    sms="【95598】尊敬的{customer}，您的工单 {number} 已处理完毕，我们将进行回访。",
    subject="工单 {number} 已处理",
    email="尊敬的{customer}：\n\n您的工单 {number} 已处理完毕，我们将电话回访您的意见。",
)
_FIXED_EN = MessageTemplate(
    sms="[95598] Dear {customer}, your order {number} has been dealt with; we will call you back.",
    subject="Order {number} dealt with",
    email="Dear {customer},\n\nyour order {number} has been dealt with. We will call you to ask "
    "how it went.",
)


class FiledTemplates(EventTemplates):
    """`[notify.templates.filed.zh]` / `.en`: when the order is filed (a language left out: shipped text)."""

    zh: MessageTemplate = _FILED_ZH
    en: MessageTemplate = _FILED_EN


class FixedTemplates(EventTemplates):
    """`[notify.templates.fixed.zh]` / `.en`: when it is fixed or handled."""

    zh: MessageTemplate = _FIXED_ZH
    en: MessageTemplate = _FIXED_EN


class Templates(_Strict):
    """Messages by event: `[notify.templates.filed.zh]` and so on."""

    filed: FiledTemplates = Field(default_factory=FiledTemplates, description="When the order is filed.")
    fixed: FixedTemplates = Field(default_factory=FixedTemplates, description="When it is fixed or handled.")

    def of(self, event: NotifyEvent) -> EventTemplates:
        """The templates of `event`."""
        return self.filed if event == "filed" else self.fixed


class SmtpGateway(_Strict):
    """An SMTP server (MTA) that takes the e-mails: `[notify.smtp]`."""

    host: str = Field(min_length=1, description="Host name or address of the MTA.")
    port: int = Field(default=25, gt=0, lt=65536)
    sender: str = Field(min_length=3, max_length=200, description="From address of the e-mails.")
    starttls: bool = Field(default=False, description="Upgrade the connection with STARTTLS first.")
    timeout_s: float = Field(default=10.0, gt=0, description="Connect and reply timeout.")


class SmsGateway(_Strict):
    """Kannel's smsbox `sendsms` HTTP interface: `[notify.sms]`."""

    url: str = Field(
        min_length=8, pattern=r"^https?://", description="e.g. http://127.0.0.1:13013/cgi-bin/sendsms"
    )
    username: str = Field(min_length=1, max_length=64, description="A `sendsms-user` of the smsbox.")
    password_env: str = Field(
        default="AGENT_TUI_SMS_PASSWORD", pattern=r"^[A-Z_][A-Z0-9_]*$",
        description="Environment variable holding that user's password (never in this file).",
    )
    sender: str = Field(default="95598", max_length=20, description="Sender number (`from`).")
    timeout_s: float = Field(default=10.0, gt=0)


class NotifySettings(_Strict):
    """Messages to the customer with the order number, sent from a queue in the database."""

    events: list[NotifyEvent] = Field(
        default_factory=lambda: list[NotifyEvent](["filed", "fixed"]),
        description="When the customer is told: filed, fixed, or both.",
    )
    channels: list[Channel] = Field(
        default_factory=lambda: list[Channel](["sms", "email"]), description="How: sms, email."
    )
    language: Language = Field(default="zh", description="Language of the messages.")
    max_attempts: int = Field(default=5, gt=0, le=100, description="Sends tried before it fails.")
    retry_s: float = Field(default=10.0, gt=0, description="First retry after this long; it doubles.")
    lease_s: float = Field(
        default=60.0, gt=0,
        description="A send claimed this long ago by a process that died is taken over by another.",
    )
    poll_s: float = Field(default=1.0, gt=0, description="The queue is looked at at least this often.")
    smtp: SmtpGateway | None = Field(default=None, description="No `[notify.smtp]`: no e-mails.")
    sms: SmsGateway | None = Field(default=None, description="No `[notify.sms]`: no SMS.")
    templates: Templates = Field(default_factory=Templates)


class ReturnVisitSettings(_Strict):
    """Return visits (回访): when they fall due and how often an unreachable customer is tried."""

    delay_min: int = Field(
        default=60, ge=0, le=60 * 24 * 30, description="Minutes after the fix or handling they fall due."
    )
    max_attempts: int = Field(
        default=3, gt=0, le=20, description="Unreachable this many times: given up (supervisors see it)."
    )
    retry_min: int = Field(default=30, ge=0, description="Minutes before an unreachable one is due again.")
