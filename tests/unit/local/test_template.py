"""The template reader: intrinsic functions and local names."""

from __future__ import annotations

import pytest
import yaml

from patron_tools.local import template as template_module
from patron_tools.local.cloud import EnvironmentConflict, function_environment
from patron_tools.local.parameters import ParameterError
from patron_tools.local.template import Template

RAW = {
    "Parameters": {
        "Prefix": {"Type": "String", "Default": "dev-"},
        "Flag": {"Type": "String", "Default": "false"},
    },
    "Conditions": {"FlagOn": {"Fn::Equals": [{"Ref": "Flag"}, "true"]}},
    "Resources": {
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {"TableName": {"Fn::Sub": "${Prefix}things"}},
        },
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Optional": {"Type": "AWS::SQS::Queue", "Condition": "FlagOn", "Properties": {}},
    },
}


def test_ref_of_a_named_table_is_its_resolved_name() -> None:
    assert Template(RAW).ref("Table") == "dev-things"


def test_parameters_can_be_overridden() -> None:
    assert Template(RAW, parameters={"Prefix": "x-"}).ref("Table") == "x-things"


def test_a_queue_without_a_name_is_named_by_its_logical_id() -> None:
    template = Template(RAW)

    assert template.ref("Queue") == "https://sqs.us-east-1.amazonaws.com/123456789012/Queue"
    assert template.get_att("Queue", "Arn") == "arn:aws:sqs:us-east-1:123456789012:Queue"


def test_a_name_resolves_without_the_resources_other_properties() -> None:
    """A Ref reads the name property only: a property the local cloud cannot resolve (here a Ref to a
    resource SAM generates) never breaks the name, and the template resolves in linear time."""
    raw = {
        "Resources": {
            "Plan": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "QueueName": "plan",
                    "Tags": [{"Key": "stage", "Value": {"Ref": "Api.Stage"}}],
                },
            },
            "Key": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"Tags": [{"Key": "plan", "Value": {"Ref": "Plan"}}]},
            },
        }
    }
    template = Template(raw)

    assert template.physical_name("Plan") == "plan"
    assert template.properties("Key") == {
        "Tags": [{"Key": "plan", "Value": "https://sqs.us-east-1.amazonaws.com/123456789012/plan"}]
    }


def test_sub_join_if_and_pseudo_parameters() -> None:
    template = Template(RAW)

    assert template.resolve({"Fn::Sub": "${AWS::Region}/${Table.Arn}"}) == (
        "us-east-1/arn:aws:dynamodb:us-east-1:123456789012:table/dev-things"
    )
    assert template.resolve({"Fn::Sub": ["${A}-${Prefix}", {"A": "a"}]}) == "a-dev-"
    assert template.resolve({"Fn::Join": ["-", ["a", {"Ref": "Prefix"}]]}) == "a-dev-"
    assert template.resolve({"Fn::If": ["FlagOn", "yes", "no"]}) == "no"
    assert template.resolve({"Fn::If": ["FlagOn", "yes", {"Ref": "AWS::NoValue"}]}) is None


def test_resources_whose_condition_is_false_do_not_exist_locally() -> None:
    assert set(Template(RAW).of_type("AWS::SQS::Queue")) == {"Queue"}
    assert set(Template(RAW, parameters={"Flag": "true"}).of_type("AWS::SQS::Queue")) == {"Queue", "Optional"}


def test_the_project_template_serves_ids_at_its_base_path(template: Template) -> None:
    assert template.apis()["IdsApi"].base_path == "ids"
    assert {(r.method, r.path) for r in template.routes() if r.api == "IdsApi"} >= {
        ("PUT", "/customers/{id}"),
        ("GET", "/customers/{id}"),
        ("DELETE", "/customers/{id}"),
    }


def test_one_variable_name_must_mean_one_value_across_functions() -> None:
    def function(value: str) -> dict[str, object]:
        return {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Handler": "m.h", "Environment": {"Variables": {"TABLE": value}}},
        }

    raw = {"Resources": {"A": function("one"), "B": function("two")}}

    with pytest.raises(EnvironmentConflict, match="TABLE"):
        function_environment(Template(raw))


@pytest.mark.parametrize(
    ("parameter", "value", "refusal"),
    [
        (
            "NamePrefix",
            "Staging-",
            "empty, or at most 11 characters",
        ),  # AllowedPattern, ConstraintDescription
        ("NamePrefix", "abcdefghijk-", "empty, or at most 11 characters"),  # MaxLength
        ("ThrottleRateLimit", "fast", "must be a number"),
        ("ProcessingDelaySeconds", "16", "must be a number not greater than 15"),
        ("QuotaLimit", "0", "must be a number not less than 1"),
        ("CpfValidation", "strict", "must be one of AllowedValues (format, checksum)"),
    ],
)
def test_the_project_templates_constraints_refuse_bad_values(
    parameter: str, value: str, refusal: str
) -> None:
    with pytest.raises(ParameterError) as raised:
        Template(parameters={parameter: value})

    assert str(raised.value).startswith(f"Parameter '{parameter}' ")
    assert refusal in str(raised.value)
    assert repr(value) in str(raised.value)


def test_libyaml_reads_the_template_as_the_pure_python_loader_does() -> None:
    class PurePython(yaml.SafeLoader):
        pass

    PurePython.add_multi_constructor("!", template_module._construct_tag)
    with template_module.TEMPLATE_PATH.open() as stream:
        expected = yaml.load(stream, PurePython)  # noqa: S506 # nosec B506 - a SafeLoader subclass

    assert template_module.load_template() == expected
