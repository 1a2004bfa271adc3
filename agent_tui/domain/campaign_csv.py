"""A campaign's contact list from CSV text: `phone,name[,customer_id]` with a header line.

A broken row is never skipped quietly: every one is named by its line, and nothing is imported until the
file is whole (a supervisor fixes the file and imports it again; nobody is called twice or missed).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from agent_tui.domain.campaigns import ImportedContact

PHONE_CHARS = set("0123456789 +-()")
MIN_DIGITS = 5
MAX_ROWS = 5000


@dataclass(frozen=True, slots=True)
class RowError:
    """One broken line of the file: its number (1 = the header), what is wrong (a fixed text, so it is
    translated) and the value in question."""

    line: int
    problem: str
    value: str = ""


@dataclass
class CsvImport:
    """The contacts read, and the broken lines (import only when `errors` is empty)."""

    contacts: list[ImportedContact] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def parse_contacts(text: str) -> CsvImport:
    """Read the file's text; a header naming at least `phone` is required (any column order)."""
    out = CsvImport()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or not any(cell.strip() for cell in rows[0]):
        out.errors.append(RowError(1, "no header line (phone,name)"))
        return out
    header = [cell.strip().lower() for cell in rows[0]]
    if "phone" not in header:
        out.errors.append(RowError(1, "the header has no phone column", ",".join(header)[:60]))
        return out
    at = {name: header.index(name) for name in ("phone", "name", "customer_id") if name in header}
    if len(rows) - 1 > MAX_ROWS:
        out.errors.append(RowError(MAX_ROWS + 2, "too many rows (at most 5000)"))
        return out
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines (a trailing newline, a gap) are not contacts
        if len(row) != len(header):
            out.errors.append(RowError(line, "wrong number of columns", f"{len(row)}/{len(header)}"))
            continue
        phone = row[at["phone"]].strip()
        digits = sum(ch.isdigit() for ch in phone)
        if not phone or set(phone) - PHONE_CHARS or digits < MIN_DIGITS or len(phone) > 32:
            out.errors.append(RowError(line, "not a phone number", phone[:32]))
            continue
        name = row[at["name"]].strip()[:200] if "name" in at else ""
        customer_id: int | None = None
        if "customer_id" in at and row[at["customer_id"]].strip():
            raw = row[at["customer_id"]].strip()
            if not raw.isdigit() or int(raw) < 1:
                out.errors.append(RowError(line, "customer_id is not a number", raw[:20]))
                continue
            customer_id = int(raw)
        out.contacts.append(ImportedContact(phone=phone, name=name, customer_id=customer_id))
    if not out.contacts and not out.errors:
        out.errors.append(RowError(2, "no contacts in the file"))
    return out
