"""Field validation: what each type accepts, how it is normalised, and the message when it is refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent_tui.domain.base import JsonScalar
from agent_tui.domain.screen import Choice, DateRange, FieldDef, FieldType
from agent_tui.forms.validate import Invalid, Valid, clean_text, normalize_phone, validate

NOW = datetime(2024, 5, 15, 10, 30)


def field(kind: FieldType, **extra: Any) -> FieldDef:
    if kind == FieldType.CHOICE and "choices" not in extra:
        extra["choices"] = [
            Choice(value="area", label={"en": "Whole area", "zh": "片区停电"}),
            Choice(value="household", label={"en": "Own household", "zh": "仅本户停电"}),
        ]
    return FieldDef(id="f", label="F", type=kind, **extra)


def ok(kind: FieldType, raw: JsonScalar, **extra: Any) -> JsonScalar:
    outcome = validate(field(kind, **extra), raw, now=NOW)
    assert isinstance(outcome, Valid), f"{raw!r} refused: {outcome}"
    return outcome.value


def refused(kind: FieldType, raw: JsonScalar, **extra: Any) -> str:
    outcome = validate(field(kind, **extra), raw, now=NOW)
    assert isinstance(outcome, Invalid), f"{raw!r} accepted as {outcome}"
    return str(outcome.message)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits from a Chinese input method
        ("010-12345678", "010-12345678"),
        ("(010) 1234 5678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("021-6543210", "021-6543210"),
        ("0755-86001234", "0755-86001234"),
        ("+86 10 12345678", "010-12345678"),
        ("+86 010 12345678", "010-12345678"),
        ("010-12345678-801", "010-12345678-801"),
        ("010-12345678转801", "010-12345678-801"),
        ("0571 8765 4321 ext 12", "0571-87654321-12"),
        ("87654321", "87654321"),
        ("+44 20 7946 0958", "+442079460958"),
        ("001 212 555 0100", "+12125550100"),
    ],
)
def test_phone_accepted(raw: str, normalised: str) -> None:
    assert ok(FieldType.PHONE, raw) == normalised


@pytest.mark.parametrize(
    "raw",
    ["12345", "95598", "1381234567", "138123456789", "23812345678", "abc", "13812345678转12",
     "010-0123456", "+1 23", "0-12345678", "13812345678x", "+86 12", "++8613812345678"],
)
def test_phone_refused(raw: str) -> None:
    message = "Enter a mobile number, a landline with area code, or +country code."
    assert refused(FieldType.PHONE, raw) == message


def test_normalised_phone_fits_customer_records() -> None:
    from agent_tui.domain.customer import CustomerFields

    for raw in ("+86 138 1234 5678", "010-12345678转801", "+44 20 7946 0958", "87654321"):
        phone = normalize_phone(raw)
        assert phone is not None
        CustomerFields(account="1234567890", name="x", phones=[phone])


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("1234567890", "1234567890"), ("12 3456 7890", "1234567890"), ("123-456", "123456"),
     ("１２３４５６７８９０", "1234567890")],
)
def test_account_accepted(raw: str, normalised: str) -> None:
    assert ok(FieldType.ACCOUNT, raw) == normalised


@pytest.mark.parametrize("raw", ["12345", "123456789012345678901", "12345a7890", "户号123456"])
def test_account_refused(raw: str) -> None:
    assert refused(FieldType.ACCOUNT, raw) == "An account number is 6 to 20 digits."


def test_address() -> None:
    assert ok(FieldType.ADDRESS, "  北京市朝阳区\n建国路 1 号  ") == "北京市朝阳区 建国路 1 号"
    assert ok(FieldType.ADDRESS, "12 High St") == "12 High St"
    assert refused(FieldType.ADDRESS, "1号") == "Enter a full address (at least 4 characters)."
    assert refused(FieldType.ADDRESS, "12-34/5") == "Enter a full address (at least 4 characters)."
    assert refused(FieldType.ADDRESS, "路" * 201) == "Enter at most 200 characters."
    assert refused(FieldType.ADDRESS, "", required=True) == "This field is required."


@pytest.mark.parametrize(
    ("raw", "value"),
    [("area", "area"), ("AREA", "area"), ("Whole area", "area"), ("片区停电", "area"),
     ("仅本户停电", "household"), ("2", "household"), ("２", "household")],
)
def test_choice_accepts_value_label_or_position(raw: str, value: str) -> None:
    assert ok(FieldType.CHOICE, raw) == value


@pytest.mark.parametrize("raw", ["3", "0", "-1", "whole", "停电"])
def test_choice_refused(raw: str) -> None:
    assert refused(FieldType.CHOICE, raw) == "Choose one of the listed options."


@pytest.mark.parametrize(
    ("raw", "iso"),
    [("2024-05-01", "2024-05-01"), ("2024/5/1", "2024-05-01"), ("2024.05.01", "2024-05-01"),
     ("2024年5月1日", "2024-05-01"), ("2024年05月01号", "2024-05-01"), ("20240501", "2024-05-01"),
     ("5月1日", "2024-05-01"), ("today", "2024-05-15"), ("今天", "2024-05-15"), ("昨天", "2024-05-14"),
     ("前天", "2024-05-13"), ("明天", "2024-05-16"), ("2024-02-29", "2024-02-29")],
)
def test_date_accepted(raw: str, iso: str) -> None:
    assert ok(FieldType.DATE, raw) == iso


@pytest.mark.parametrize(
    "raw", ["2023-02-29", "2024-13-01", "2024-00-10", "5/1/2024", "next week", "1800-01-01"]
)
def test_date_refused(raw: str) -> None:
    assert refused(FieldType.DATE, raw) == "Enter a date such as 2024-05-01."


def test_date_range() -> None:
    assert ok(FieldType.DATE, "today", date_range=DateRange.PAST) == "2024-05-15"
    assert ok(FieldType.DATE, "today", date_range=DateRange.FUTURE) == "2024-05-15"
    assert refused(FieldType.DATE, "明天", date_range=DateRange.PAST) == "This cannot be in the future."
    assert refused(FieldType.DATE, "2024-05-14", date_range=DateRange.FUTURE) == "This cannot be in the past."


@pytest.mark.parametrize(
    ("raw", "iso"),
    [("2024-05-01 14:30", "2024-05-01T14:30"), ("2024-05-01T14:30:59", "2024-05-01T14:30"),
     ("2024年5月1日14时30分", "2024-05-01T14:30"), ("2024年5月1日 14点", "2024-05-01T14:00"),
     ("09:05", "2024-05-15T09:05"), ("今天 9点", "2024-05-15T09:00"), ("昨天23:59", "2024-05-14T23:59"),
     ("2024-05-01T14:30", "2024-05-01T14:30")],
)
def test_datetime_accepted(raw: str, iso: str) -> None:
    assert ok(FieldType.DATETIME, raw) == iso


@pytest.mark.parametrize("raw", ["25:00", "2024-05-01 14:61", "2024-05-01", "yesterday evening", "14"])
def test_datetime_refused(raw: str) -> None:
    assert refused(FieldType.DATETIME, raw) == "Enter a date and time such as 2024-05-01 14:30."


def test_datetime_range_uses_the_clock() -> None:
    assert ok(FieldType.DATETIME, "10:30", date_range=DateRange.PAST) == "2024-05-15T10:30"
    assert refused(FieldType.DATETIME, "10:31", date_range=DateRange.PAST) == "This cannot be in the future."


@pytest.mark.parametrize(
    ("raw", "value"),
    [("12", 12), ("12.5", 12.5), ("1,234", 1234), ("-3", -3), ("１２", 12), ("7.0", 7), (8, 8), (2.5, 2.5)],
)
def test_number_accepted(raw: JsonScalar, value: float) -> None:
    result = ok(FieldType.NUMBER, raw)
    assert result == value
    assert type(result) is type(value)


def test_number_limits_and_messages() -> None:
    assert refused(FieldType.NUMBER, "abc") == "Enter a number."
    assert refused(FieldType.NUMBER, "nan") == "Enter a number."
    assert refused(FieldType.NUMBER, "1e5") == "Enter a number."
    assert refused(FieldType.NUMBER, "2.5", integer=True) == "Enter a whole number."
    assert refused(FieldType.NUMBER, "0", min_value=1) == "Enter a number no smaller than 1."
    assert refused(FieldType.NUMBER, "100.5", max_value=100) == "Enter a number no larger than 100."
    assert refused(FieldType.NUMBER, "5", min_value=5.5) == "Enter a number no smaller than 5.5."
    assert ok(FieldType.NUMBER, "100", min_value=1, max_value=100) == 100


@pytest.mark.parametrize(
    ("raw", "value"),
    [(True, True), (False, False), ("yes", True), ("Y", True), ("是", True), ("对", True),
     ("no", False), ("否", False), ("没有", False), ("0", False)],
)
def test_boolean(raw: JsonScalar, value: bool) -> None:
    assert ok(FieldType.BOOLEAN, raw) is value


def test_boolean_refused_and_false_counts_as_an_answer() -> None:
    assert refused(FieldType.BOOLEAN, "maybe") == "Answer yes or no."
    assert ok(FieldType.BOOLEAN, False, required=True) is False


def test_text_checks() -> None:
    assert ok(FieldType.TEXT, "  张三  ") == "张三"
    assert ok(FieldType.TEXT, "") is None
    assert ok(FieldType.TEXT, None) is None
    assert refused(FieldType.TEXT, "   ", required=True) == "This field is required."
    assert refused(FieldType.TEXT, "abcdef", max_length=5) == "Enter at most 5 characters."
    assert refused(FieldType.TEXT, "abc", min_length=4) == "Enter at least 4 characters."
    assert refused(FieldType.TEXT, "X12", pattern="[0-9]+") == "This does not have the expected format."
    assert ok(FieldType.TEXT, "12", pattern="[0-9]+") == "12"
    assert refused(FieldType.TEXT, "x" * 50_000) == "Enter at most 500 characters."


def test_hostile_text_becomes_plain_data() -> None:
    hostile = "a\x1b[31mred\x1b[0m\x1b]0;pwned\x07 [bold]b[/bold]\u202eevil\x00\udcff"
    # The invalid byte (a lone surrogate) stays visible as U+FFFD, as everywhere outside text is cleaned.
    assert ok(FieldType.TEXT, hostile) == "ared [bold]b[/bold]evil\ufffd"
    assert ok(FieldType.MULTILINE, "line 1\r\n\n\n\nline\t2  ") == "line 1\n\nline 2"


def test_message_params_are_separate_from_the_source_text() -> None:
    outcome = validate(field(FieldType.TEXT, max_length=5), "abcdef", now=NOW)
    assert isinstance(outcome, Invalid)
    assert outcome.message.text == "Enter at most {max} characters."
    assert dict(outcome.message.params) == {"max": 5}
    assert outcome.message.render(lambda source, **p: "最多{max}个字".format(**p)) == "最多5个字"


@given(st.text(max_size=80))
def test_clean_text_leaves_no_control_characters(text: str) -> None:
    cleaned = clean_text(text)
    assert "\x1b" not in cleaned
    assert all(ch.isprintable() or ch == " " for ch in cleaned)
    assert clean_text(cleaned) == cleaned


@given(st.sampled_from(list(FieldType)), st.one_of(st.text(max_size=40), st.integers(), st.floats(),
                                                   st.booleans(), st.none()))
def test_validate_never_crashes_and_is_idempotent(kind: FieldType, raw: JsonScalar) -> None:
    definition = field(kind)
    outcome = validate(definition, raw, now=NOW)
    if isinstance(outcome, Valid) and outcome.value is not None:
        # A normalised answer is accepted as it is: drafts re-check saved answers.
        assert validate(definition, outcome.value, now=NOW) == outcome
