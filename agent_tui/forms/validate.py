"""Checking and normalising what an agent types into a work-order field.

`validate(field, raw, now=...)` returns `Valid(value)` with the normalised value (None when the field is
left empty) or `Invalid(message)` with an English source message for the UI to translate. Everything is
pure: the current time is passed in, so dates in the past or future are checked deterministically.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from agent_tui.domain.base import JsonScalar
from agent_tui.domain.screen import DateRange, FieldDef, FieldType
from agent_tui.domain.text import clean
from agent_tui.forms.messages import Message

MAX_RAW_CHARS = 40_000
"""Input longer than this is refused before any parsing (the longest field holds 20,000)."""
ADDRESS_MIN_CHARS = 4
ADDRESS_MAX_CHARS = 200
"""Customer records hold addresses of at most 200 characters."""

REQUIRED = "This field is required."


@dataclass(frozen=True)
class Valid:
    """The answer is acceptable; `value` is its normalised form, None when left empty."""

    value: JsonScalar


@dataclass(frozen=True)
class Invalid:
    """The answer is refused; `message` says why, in English source form."""

    message: Message


Outcome = Valid | Invalid


def clean_text(text: str, *, multiline: bool = False) -> str:
    """What an agent typed, through the one cleaner (`agent_tui.domain.text.clean`), whitespace
    squeezed; multi-line text keeps its lines (at most one blank line in a row)."""
    cleaned = clean(text, multiline=multiline, squeeze=True)
    return re.sub(r"\n{3,}", "\n\n", cleaned) if multiline else cleaned


def _narrow(text: str) -> str:
    """Full-width digits and punctuation (common from Chinese input methods) to ASCII."""
    return unicodedata.normalize("NFKC", text)


# --- phone numbers -----------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
_AFTER_AREA = re.compile(r"[1-9]\d{6,7}")
_EXTENSION = re.compile(r"^(?P<main>.+?)(?:转|分机|ext\.?|x|#|,)(?P<ext>\d{1,6})$")
_DASHED_EXTENSION = re.compile(r"^(?P<main>0\d{2,3}-\d{7,8})-(?P<ext>\d{1,6})$")
_THREE_DIGIT_AREAS = re.compile(r"0(10|2\d)")


def normalize_phone(raw: str) -> str | None:
    """A phone number in one canonical spelling, or None when it is not a usable number.

    Chinese mobiles become 11 digits (`13812345678`, any +86 / 0086 prefix dropped); landlines become
    `0AREA-NUMBER` with an optional `-EXT` (`010-12345678-801`); a local number without area code stays
    as its 7 or 8 digits; other countries become `+` and 7 to 15 digits.
    """
    text = _narrow(raw).strip().casefold()
    if not text or len(text) > 64:
        return None
    text = re.sub(r"[\s().·/]", "", text)
    extension = ""
    match = _EXTENSION.match(text) or _DASHED_EXTENSION.match(text)
    if match:
        text, extension = match.group("main"), match.group("ext")
    text = text.replace("-", "")
    international = False
    if text.startswith("+"):
        text, international = text[1:], True
    elif text.startswith("00"):
        text, international = text[2:], True
    if not text.isdigit() or not text.isascii():
        return None
    if international and not text.startswith("86"):
        if extension or not 7 <= len(text) <= 15:
            return None
        return "+" + text
    if international or (text.startswith("86") and len(text) == 13 and _MOBILE.fullmatch(text[2:])):
        text = text[2:]
        if not _MOBILE.fullmatch(text) and not text.startswith("0"):
            text = "0" + text  # +86 10 12345678: the trunk 0 is left out after a country code
    if _MOBILE.fullmatch(text):
        return None if extension else text
    suffix = f"-{extension}" if extension else ""
    if text.startswith("0"):
        area_len = 3 if _THREE_DIGIT_AREAS.match(text) else 4
        area, number = text[:area_len], text[area_len:]
        if _AFTER_AREA.fullmatch(number):
            return f"{area}-{number}{suffix}"
        return None
    if _LOCAL.fullmatch(text):
        return text + suffix
    return None


def normalize_account(raw: str) -> str | None:
    """An account number (户号) as 6 to 20 digits, spaces and dashes removed, or None."""
    text = re.sub(r"[\s\-]", "", _narrow(raw))
    if text.isascii() and text.isdigit() and 6 <= len(text) <= 20:
        return text
    return None


# --- dates -------------------------------------------------------------------------------------------

_RELATIVE_DAYS = {
    "today": 0, "今天": 0, "今日": 0,
    "yesterday": -1, "昨天": -1, "昨日": -1, "前天": -2,
    "tomorrow": 1, "明天": 1, "明日": 1, "后天": 2,
}
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MD = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_TIME = re.compile(r"(\d{1,2})\s*(?:[:：]|时|点|點)\s*(?:(\d{1,2})\s*分?)?(?:[:：](\d{1,2})秒?)?")


def parse_date(raw: str, today: date) -> date | None:
    """A date from ISO (`2024-05-01`), `2024/5/1`, `2024.5.1`, `2024年5月1日`, `20240501`, `5月1日`
    (this year) or a word (today, yesterday, 今天, 昨天, 前天, 明天, 后天); None when it is none of these
    or not a real day."""
    text = _narrow(raw).strip().casefold()
    if text in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[text])
    parts: tuple[int, int, int] | None = None
    for pattern in (_YMD, _COMPACT):
        match = pattern.fullmatch(text)
        if match:
            parts = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
            break
    else:
        match = _MD.fullmatch(text)
        if match:
            parts = (today.year, int(match.group(1)), int(match.group(2)))
    if parts is None or not 1900 <= parts[0] <= 2100:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def parse_time(raw: str) -> time | None:
    """A time of day from `14:30`, `14:30:05`, `14时30分`, `14点30`, `14点`; None otherwise."""
    match = _TIME.fullmatch(_narrow(raw).strip())
    if not match:
        return None
    hour, minute, second = (int(group) if group else 0 for group in match.groups())
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def parse_datetime(raw: str, now: datetime) -> datetime | None:
    """A local date and time: a date as `parse_date` reads it, then a time as `parse_time` reads it,
    separated by blanks or `T`; a time alone means today. None when unreadable."""
    text = _narrow(raw).strip()
    clock = parse_time(text)
    if clock is not None:
        return datetime.combine(now.date(), clock)
    match = re.fullmatch(r"(.+?)(?:\s*[T\s]\s*|(?<=[日号天]))(\d{1,2}\s*(?:[:：]|时|点|點).*)", text)
    if not match:
        return None
    day = parse_date(match.group(1), now.date())
    clock = parse_time(match.group(2))
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock)


# --- the checks by type ------------------------------------------------------------------------------

_TRUE = frozenset({"y", "yes", "true", "1", "on", "是", "是的", "对", "有", "好", "需要", "同意"})
_FALSE = frozenset({"n", "no", "false", "0", "off", "否", "不", "不是", "没有", "无", "不需要", "不同意"})


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _check_text(field: FieldDef, text: str) -> Outcome:
    if len(text) < field.min_length:
        return Invalid(Message("Enter at least {min} characters.", {"min": field.min_length}))
    if len(text) > field.max_length:
        return Invalid(Message("Enter at most {max} characters.", {"max": field.max_length}))
    if field.pattern is not None and not re.fullmatch(field.pattern, text):
        return Invalid(Message("This does not have the expected format."))
    return Valid(text)


def _check_address(field: FieldDef, text: str) -> Outcome:
    shortest = max(field.min_length, ADDRESS_MIN_CHARS)
    longest = min(field.max_length, ADDRESS_MAX_CHARS)
    if len(text) < shortest or not any(char.isalpha() for char in text):
        return Invalid(Message("Enter a full address (at least {min} characters).", {"min": shortest}))
    if len(text) > longest:
        return Invalid(Message("Enter at most {max} characters.", {"max": longest}))
    return _check_text(field.model_copy(update={"min_length": 0, "max_length": longest}), text)


def _check_choice(field: FieldDef, text: str) -> Outcome:
    wanted = text.casefold()
    for choice in field.choices:
        if choice.value.casefold() == wanted:
            return Valid(choice.value)
    for choice in field.choices:
        labels = [choice.label] if isinstance(choice.label, str) else list(choice.label.values())
        if any(label.casefold() == wanted for label in labels):
            return Valid(choice.value)
    index = _narrow(text)
    if index.isascii() and index.isdigit() and 1 <= int(index) <= len(field.choices):
        return Valid(field.choices[int(index) - 1].value)
    return Invalid(Message("Choose one of the listed options."))


def _check_number(field: FieldDef, text: str) -> Outcome:
    cleaned = re.sub(r"[\s,_]", "", _narrow(text))
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned) or len(cleaned) > 30:
        return Invalid(Message("Enter a number."))
    try:
        number = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return Invalid(Message("Enter a number."))
    whole = number == number.to_integral_value()
    if field.integer and not whole:
        return Invalid(Message("Enter a whole number."))
    value: int | float = int(number) if whole else float(number)
    if field.min_value is not None and value < field.min_value:
        limit = _number_text(field.min_value)
        return Invalid(Message("Enter a number no smaller than {min}.", {"min": limit}))
    if field.max_value is not None and value > field.max_value:
        limit = _number_text(field.max_value)
        return Invalid(Message("Enter a number no larger than {max}.", {"max": limit}))
    return Valid(value)


def _check_range(field: FieldDef, moment: date | datetime, now: date | datetime) -> Invalid | None:
    if field.date_range == DateRange.PAST and moment > now:
        return Invalid(Message("This cannot be in the future."))
    if field.date_range == DateRange.FUTURE and moment < now:
        return Invalid(Message("This cannot be in the past."))
    return None


def _check_date(field: FieldDef, text: str, now: datetime) -> Outcome:
    day = parse_date(text, now.date())
    if day is None:
        return Invalid(Message("Enter a date such as {example}.", {"example": "2024-05-01"}))
    return _check_range(field, day, now.date()) or Valid(day.isoformat())


def _check_datetime(field: FieldDef, text: str, now: datetime) -> Outcome:
    moment = parse_datetime(text, now)
    if moment is None:
        return Invalid(Message("Enter a date and time such as {example}.", {"example": "2024-05-01 14:30"}))
    return _check_range(field, moment, now) or Valid(moment.isoformat(timespec="minutes"))


def validate(field: FieldDef, raw: JsonScalar, *, now: datetime) -> Outcome:
    """Check `raw` against `field` and normalise it; `now` is the local wall-clock time (naive)."""
    if field.type == FieldType.BOOLEAN and isinstance(raw, bool):
        return Valid(raw)
    text = "" if raw is None else str(raw)
    if len(text) > MAX_RAW_CHARS:
        return Invalid(Message("Enter at most {max} characters.", {"max": field.max_length}))
    text = clean_text(text, multiline=field.type == FieldType.MULTILINE)
    if not text:
        return Invalid(Message(REQUIRED)) if field.required else Valid(None)
    match field.type:
        case FieldType.TEXT | FieldType.MULTILINE:
            return _check_text(field, text)
        case FieldType.ADDRESS:
            return _check_address(field, text)
        case FieldType.PHONE:
            phone = normalize_phone(text)
            if phone is None:
                return Invalid(Message("Enter a mobile number, a landline with area code, or +country code."))
            return _check_text(field.model_copy(update={"min_length": 0}), phone)
        case FieldType.ACCOUNT:
            account = normalize_account(text)
            if account is None:
                return Invalid(Message("An account number is 6 to 20 digits."))
            return _check_text(field.model_copy(update={"min_length": 0}), account)
        case FieldType.CHOICE:
            return _check_choice(field, text)
        case FieldType.NUMBER:
            return _check_number(field, text)
        case FieldType.DATE:
            return _check_date(field, text, now)
        case FieldType.DATETIME:
            return _check_datetime(field, text, now)
        case FieldType.BOOLEAN:
            word = _narrow(text).casefold()
            if word in _TRUE:
                return Valid(True)
            if word in _FALSE:
                return Valid(False)
            return Invalid(Message("Answer yes or no."))
