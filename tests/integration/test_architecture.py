"""docs/architecture.md is generated from template.yaml: it must be current, list every resource and
draw the flows that the template defines."""

from __future__ import annotations

import copy

from patron_tools import architecture, cli
from patron_tools.local.template import load_template


def test_the_committed_document_is_current() -> None:
    assert cli.main(["architecture", "--check"]) == 0, "run `make openapi` (patron architecture)"


def test_every_resource_is_listed_with_its_service() -> None:
    document = architecture.render()
    template = load_template()

    for name, resource in template["Resources"].items():
        assert f"| `{name}` | `{resource['Type']}` |" in document
    assert "| `CustomerIdsTable` | `AWS::DynamoDB::Table` | ids |" in document
    assert "| `EnrollmentQueue` | `AWS::SQS::Queue` | enrollment |" in document
    assert "| `ConsoleDistribution` | `AWS::CloudFront::Distribution` | web console |" in document


def test_the_flows_are_read_from_the_template() -> None:
    flows = {(f.source, f.label, f.target) for f in architecture.flows(load_template())}

    assert ("IdsApi", "PUT /customers/{id}", "PutCustomerIdFunction") in flows
    assert ("CustomerIdsTable", "stream", "PublishCustomerCreatedFunction") in flows
    assert ("PublishCustomerCreatedFunction", "puts events", "EventBus") in flows
    assert ("EventBus", "CustomerCreated", "CustomerCreatedRule") in flows
    assert ("DefaultEventBus", "schedule", "CustomerScanScheduleRule") in flows
    assert ("CustomerCreatedRule", "starts", "CustomersWorkflow") in flows
    assert ("CustomersWorkflow", "task", "InsertIdFunction") in flows
    assert ("EnrollmentsTable", "stream", "EnrollmentDispatcherFunction") in flows
    assert ("EnrollmentQueue", "messages", "EnrollmentProcessorFunction") in flows
    assert ("EnrollmentQueue", "dead letters", "EnrollmentDeadLetterQueue") in flows
    assert ("ConsoleDistribution", "origin", "ConsoleBucket") in flows


def test_a_template_change_changes_the_document() -> None:
    template = copy.deepcopy(load_template())
    template["Resources"]["AuditQueue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    template["Resources"]["InsertIdFunction"]["Properties"]["Environment"]["Variables"]["AUDIT_QUEUE_URL"] = {
        "Ref": "AuditQueue"
    }

    document = architecture.render(template)

    assert "| `AuditQueue` | `AWS::SQS::Queue` | ids |" in document
    assert "InsertIdFunction -- uses --> AuditQueue" in document
    assert document != architecture.render()
