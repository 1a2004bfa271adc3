"""Phone numbers as lookup keys: the same number typed or presented differently matches."""

from __future__ import annotations


def phone_key(phone: str) -> str:
    """Digits only, without the China country code, so `+86 138-0013-8000` matches `13800138000`.

    A landline keeps its area code's leading zero (`0571-88886666` → `057188886666`).
    """
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif phone.strip().startswith("+86") or (digits.startswith("86") and len(digits) == 13):
        digits = digits[2:]
    if digits and not digits.startswith("0") and len(digits) in (10, 11) and digits[0] != "1":
        # A landline without its leading zero, as "+86 571 8888 6666" presents it.
        digits = "0" + digits
    return digits[:32]
