"""Strict JSON for what clients send (SPEC §1 "Hostile input"): exact numbers, no `NaN`, bounded
nesting, every refusal a clear `errors.Invalid` (a 400); and the way back to JSON for those numbers.
No Powertools here: Step Functions tasks use it too."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

from patron.core import errors

MAX_JSON_DEPTH = 100  # arrays and objects inside each other in a client's document; deeper is a 400


def _not_json_constant(name: str) -> Any:
    raise errors.Invalid(f"The body is not valid JSON: {name} is not a JSON number.")


def depth(value: Any) -> int:
    """How many arrays and objects are nested in `value` (iteratively: no recursion limit to hit)."""
    if not isinstance(value, dict | list):
        return 0
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
        stack += [(child, depth + 1) for child in children if isinstance(child, dict | list)]
    return deepest


def parse_json(text: str, what: str = "The body") -> Any:
    """A JSON document (RFC 8259), strictly and exactly: numbers with a fraction or an exponent become
    `Decimal` (never a binary float), `NaN`/`Infinity` are refused, and so are integers too long to
    convert, documents nested deeper than MAX_JSON_DEPTH and anything else that is not JSON, each with
    `errors.Invalid` (a 400) saying what is wrong. A leading byte order mark is ignored (RFC 8259 §8.1).
    `what` names the document in messages ("The body", "input")."""
    try:
        value = json.loads(
            text.removeprefix("\ufeff"), parse_float=Decimal, parse_constant=_not_json_constant
        )
    except errors.PatronError:
        raise
    except json.JSONDecodeError as exc:
        raise errors.Invalid(
            f"{what} is not valid JSON: {exc.msg.lower()} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except RecursionError:
        raise errors.Invalid(f"{what} is nested too deeply (at most {MAX_JSON_DEPTH} levels).") from None
    except ValueError:  # int() refuses integer literals beyond its digit limit (4,300 digits)
        raise errors.Invalid(f"{what} holds a number with too many digits.") from None
    if depth(value) > MAX_JSON_DEPTH:
        raise errors.Invalid(f"{what} is nested too deeply (at most {MAX_JSON_DEPTH} levels).")
    if _SURROGATE_ESCAPE.search(text) and not is_unicode(value):
        raise errors.Invalid(f"{what} holds a \\u escape that is half of a UTF-16 pair, not a character.")
    return value


# `\ud800`-`\udfff`: JSON's way to write a character beyond U+FFFF as two escapes; alone, one of them is
# no character at all (RFC 8259 §8.2) and cannot be stored or sent on as UTF-8
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def is_unicode(value: Any) -> bool:
    """Whether every string in a parsed JSON value is text: no lone UTF-16 surrogate (`\\ud800` alone),
    which UTF-8 cannot hold, so DynamoDB or an API answer could not either."""
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_default(value: Any) -> Any:
    """`json.dumps(..., default=json_default)`: a `Decimal` from `parse_json` as an int when integral,
    else a float; as a string when no finite float holds it (JSON has no Infinity)."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and value.adjusted() < 1000:
            return int(value)
        number = float(value)
        return number if math.isfinite(number) else str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
