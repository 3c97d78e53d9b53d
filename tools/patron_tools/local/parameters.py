"""Template parameter values checked as CloudFormation checks them before it creates anything.

Source: AWS CloudFormation User Guide, "CloudFormation template Parameters syntax"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html):
`Type` (String, Number, List<Number>, CommaDelimitedList), `AllowedValues`, `AllowedPattern` (the whole
value must match), `MinLength`/`MaxLength` (String), `MinValue`/`MaxValue` (Number), and
`ConstraintDescription`, which replaces the default message of a failed constraint. The messages are
CloudFormation's own (`Parameter 'X' must be one of AllowedValues`, ...), followed by
the allowed values and the value given, so that the one line says what to change.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any


class ParameterError(ValueError):
    """A parameter value CloudFormation would refuse; the message names the parameter and the rule."""


def check_parameters(declared: dict[str, dict[str, Any]], values: dict[str, str]) -> None:
    """Check `values` (name → value as given, e.g. from `--parameter NAME=VALUE`) against the template's
    `Parameters` section. Raises `ParameterError` for an undeclared name or the first value that breaks
    its parameter's Type or constraints."""
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise ParameterError(
            f"Parameters: {unknown} do not exist in the template (it declares {', '.join(sorted(declared))})"
        )
    for name, value in values.items():
        _check_one(name, declared[name], value)


def _check_one(name: str, spec: dict[str, Any], value: str) -> None:
    kind = str(spec.get("Type", "String"))
    items = (
        [item.strip() for item in value.split(",")]
        if kind.startswith(("List<", "CommaDelimitedList"))
        else [value]
    )
    for item in items:
        if "Number" in kind and _number(item) is None:
            raise ParameterError(f"Parameter '{name}' must be a number. (got {item!r})")
        failure = _constraint_failure(spec, item, numeric="Number" in kind)
        if failure:
            description = spec.get("ConstraintDescription")
            raise ParameterError(
                f"Parameter '{name}' failed to satisfy constraint: {description} (got {item!r})"
                if description
                else f"Parameter '{name}' {failure} (got {item!r})"
            )


def _constraint_failure(spec: dict[str, Any], value: str, *, numeric: bool) -> str | None:
    allowed = spec.get("AllowedValues")
    if allowed is not None and not any(_same(value, option, numeric=numeric) for option in allowed):
        return f"must be one of AllowedValues ({', '.join(str(option) for option in allowed)})"
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), value) is None:
        return f"must match pattern {pattern}"
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        return f"must contain at least {spec['MinLength']} characters"
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        return f"must contain at most {spec['MaxLength']} characters"
    number = _number(value) if numeric else None
    if number is not None and "MinValue" in spec and number < Decimal(str(spec["MinValue"])):
        return f"must be a number not less than {spec['MinValue']}"
    if number is not None and "MaxValue" in spec and number > Decimal(str(spec["MaxValue"])):
        return f"must be a number not greater than {spec['MaxValue']}"
    return None


def _same(value: str, option: Any, *, numeric: bool) -> bool:
    if numeric:
        number = _number(value)
        return number is not None and number == _number(str(option))
    return value == str(option)


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
