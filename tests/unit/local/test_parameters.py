"""Template parameters are refused as CloudFormation refuses them, before anything starts."""

from __future__ import annotations

from typing import Any

import pytest

from patron_tools import cli
from patron_tools.local.parameters import ParameterError, check_parameters
from patron_tools.local.template import load_template

DECLARED: dict[str, dict[str, Any]] = {
    "Delay": {"Type": "Number", "Default": 4, "MinValue": 0, "MaxValue": 15},
    "Mode": {"Type": "String", "Default": "format", "AllowedValues": ["format", "checksum"]},
    "Days": {"Type": "Number", "Default": 30, "AllowedValues": [1, 30, 365]},
    "Prefix": {"Type": "String", "Default": "", "AllowedPattern": "[a-z0-9-]*", "MaxLength": 8},
    "Code": {
        "Type": "String",
        "MinLength": 2,
        "AllowedPattern": "[A-Z]+",
        "ConstraintDescription": "two or more capitals",
    },
    "Sizes": {"Type": "List<Number>"},
}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"Delay": "abc"}, "Parameter 'Delay' must be a number."),
        ({"Delay": "NaN"}, "Parameter 'Delay' must be a number."),
        ({"Delay": "16"}, "Parameter 'Delay' must be a number not greater than 15"),
        ({"Delay": "-1"}, "Parameter 'Delay' must be a number not less than 0"),
        ({"Mode": "strict"}, "Parameter 'Mode' must be one of AllowedValues"),
        ({"Mode": "Format"}, "Parameter 'Mode' must be one of AllowedValues"),
        ({"Days": "31"}, "Parameter 'Days' must be one of AllowedValues"),
        ({"Prefix": "Dev_"}, "Parameter 'Prefix' must match pattern [a-z0-9-]*"),
        ({"Prefix": "dev-\n"}, "Parameter 'Prefix' must match pattern [a-z0-9-]*"),  # the whole value
        ({"Prefix": "abcdefghi"}, "Parameter 'Prefix' must contain at most 8 characters"),
        ({"Code": "ab"}, "Parameter 'Code' failed to satisfy constraint: two or more capitals"),
        ({"Sizes": "1,x"}, "Parameter 'Sizes' must be a number."),
        ({"Nope": "1"}, "Parameters: ['Nope'] do not exist in the template"),
    ],
)
def test_a_value_cloudformation_refuses_is_refused_with_its_message(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(ParameterError) as raised:
        check_parameters(DECLARED, values)

    assert str(raised.value).startswith(message)


@pytest.mark.parametrize(
    "values",
    [
        {"Delay": "0"},
        {"Delay": "15"},
        {"Delay": "2.5"},
        {"Mode": "checksum"},
        {"Days": "365"},
        {"Prefix": ""},
        {"Prefix": "qa-"},
        {"Code": "AB"},
        {"Sizes": "1, 2,3"},
    ],
)
def test_a_value_within_the_rules_is_accepted(values: dict[str, str]) -> None:
    check_parameters(DECLARED, values)  # raises on failure


def test_every_default_of_the_project_template_passes_its_own_rules() -> None:
    declared = load_template()["Parameters"]
    defaults = {name: str(spec["Default"]) for name, spec in declared.items() if "Default" in spec}

    check_parameters(declared, defaults)


@pytest.mark.parametrize(
    ("parameter", "message"),
    [
        ("ProcessingDelaySeconds=abc", "patron dev: Parameter 'ProcessingDelaySeconds' must be a number."),
        ("CpfValidation=strict", "patron dev: Parameter 'CpfValidation' must be one of AllowedValues"),
        (
            "EnableScheduledScan=yes",
            "patron dev: Parameter 'EnableScheduledScan' must be one of AllowedValues",
        ),
        ("NoValue", "patron dev: --parameter takes NAME=VALUE"),
    ],
)
def test_patron_dev_refuses_a_bad_parameter_in_one_line_before_starting(
    parameter: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["dev", "--port", "1", "--parameter", parameter]) == 2

    err = capsys.readouterr().err
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert "Traceback" not in err
