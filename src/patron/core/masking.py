"""Personal data out of log lines: e-mail addresses, phone numbers, CPFs and dates (of birth) are
replaced by a marker wherever they occur — a field named after them, a message, an exception's text,
a logged event's body. Plain regular expressions: no dependency, nothing to load at cold start."""

from __future__ import annotations

import re
from typing import Any

EMAIL = "<email>"
PHONE = "<phone>"
CPF = "<cpf>"
DATE = "<date>"
TOKEN = "<token>"  # noqa: S105  # nosec B105 - a log marker: a credential never reaches a log (SPEC §1.7)

# a field with one of these names is masked whatever its value (lower-cased, "-" read as "_")
FIELDS = {
    "email": EMAIL,
    "email_address": EMAIL,
    "phone": PHONE,
    "phone_number": PHONE,
    "cpf": CPF,
    "date_of_birth": DATE,
    "birth_date": DATE,
    "authorization": TOKEN,
}

_JWT = re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*")  # header.payload.signature, base64url; the header is JSON
_EMAIL = re.compile(r"[\w.+%-]+(?:@|%40)[\w.-]*", re.IGNORECASE)  # also "jane@" and URL-encoded "%40"
_CPF = re.compile(r"(?<![\w.-])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![\w.-])")
# a bare date (not a date-time: timestamps stay readable), in ISO or day-first order
_DATE = re.compile(
    r"(?<![\w/-])(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})(?![\w/:-]|[ T]\d)"
)
# digits with phone punctuation; _phone() keeps only 7-15 digits with a "+", "(", " " or "-" in them
_PHONE = re.compile(r"(?<![\w.+-])\+?\(?\d[\d ().-]{5,30}\d(?![\w:-]|[ T]\d)")


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(char.isdigit() for char in text)
    looks_like_phone = 7 <= digits <= 15 and any(char in text for char in "+( -")
    return PHONE if looks_like_phone else text


def mask_text(text: str) -> str:
    text = _JWT.sub(TOKEN, text)
    text = _EMAIL.sub(EMAIL, text)
    text = _CPF.sub(CPF, text)
    text = _DATE.sub(DATE, text)
    return _PHONE.sub(_phone, text)


def mask(value: Any, field: str = "") -> Any:
    """`value` with personal data masked: by field name first, then by pattern in every string,
    recursively through dicts and lists. Other objects are masked as their `str()`, the form a JSON
    log would show them in."""
    marker = FIELDS.get(field.lower().replace("-", "_"))
    if marker is not None and value not in (None, ""):
        return marker
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: mask(item, str(key)) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [mask(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(str(value))
