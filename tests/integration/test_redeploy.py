"""Destroy, then deploy the same stage again, against moto's CloudFormation and DynamoDB: the data tables
a deleted stack retains (`DeletionPolicy: Retain`) would make CloudFormation fail on their names, so
`patron stack check` (make deploy) stops with the one command that clears them, and `patron stack
delete-data` (make destroy DELETE_DATA=yes) deletes them, deletion protection included."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from patron_tools import cli, stack
from patron_tools.local import aws
from patron_tools.local.template import Template

STACK, PREFIX = "patron-dev", "dev-"


@pytest.fixture
def deployed(aws_env: None) -> Iterator[None]:
    """Stage dev as `make deploy` leaves it: the stack, and its tables with deletion protection."""
    with mock_aws():
        aws.create_tables(Template(parameters={"NamePrefix": PREFIX}))
        dynamodb = boto3.client("dynamodb")
        for table in stack.retained_tables(PREFIX):
            dynamodb.update_table(TableName=table, DeletionProtectionEnabled=True)
        boto3.client("cloudformation").create_stack(
            StackName=STACK, TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})
        )
        yield


def patron(command: str) -> int:
    return cli.main(["stack", command, "--stack", STACK, "--name-prefix", PREFIX])


def tables() -> set[str]:
    return set(boto3.client("dynamodb").list_tables()["TableNames"])


def test_the_retained_resources_are_the_data_tables_of_the_stage() -> None:
    template = Template(parameters={"NamePrefix": PREFIX})
    retained = {
        name: r["Type"] for name, r in template.resources.items() if r.get("DeletionPolicy") == "Retain"
    }

    assert set(retained.values()) == {"AWS::DynamoDB::Table"}  # another type would need its own clean-up
    assert stack.retained_tables(PREFIX) == sorted(template.physical_name(name) for name in retained)
    assert "dev-customer_ids" in stack.retained_tables(PREFIX)


def test_an_update_of_a_live_stack_passes_the_check(deployed: None) -> None:
    assert patron("check") == 0


def test_after_destroy_the_check_names_the_leftovers_and_the_command(
    deployed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("cloudformation").delete_stack(StackName=STACK)  # sam delete: the tables stay

    assert patron("check") == 1
    message = capsys.readouterr().err
    assert "dev-customer_ids" in message
    assert "make destroy STAGE=dev DELETE_DATA=yes" in message


def test_delete_data_clears_the_way_for_the_next_deploy(deployed: None) -> None:
    retained = set(stack.retained_tables(PREFIX))
    assert patron("delete-data") == 1  # never while the stack that uses them exists
    assert retained <= tables()

    boto3.client("cloudformation").delete_stack(StackName=STACK)

    assert patron("delete-data") == 0
    assert not retained & tables()
    template = Template(parameters={"NamePrefix": PREFIX})
    others = {template.physical_name(t) for t in template.of_type("AWS::DynamoDB::Table")} - retained
    assert tables() == others  # not retained: CloudFormation deletes them with the stack
    assert patron("check") == 0
