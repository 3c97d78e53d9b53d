"""The crm tables of template.yaml are the ones the repository queries."""

from __future__ import annotations

from patron.crm.repository import EMAIL_INDEX, EMAIL_KEY, SAMPLE_INDEX, SAMPLE_KEY, STATUS_INDEX
from patron_tools.local.template import Template


def test_the_indexes_the_repository_queries_exist_with_their_keys(template: Template) -> None:
    table = template.properties("CustomersTable")
    indexes = {
        index["IndexName"]: ([key["AttributeName"] for key in index["KeySchema"]], index["Projection"])
        for index in table["GlobalSecondaryIndexes"]
    }

    assert indexes == {
        STATUS_INDEX: (["customer_status"], {"ProjectionType": "ALL"}),
        EMAIL_INDEX: ([EMAIL_KEY], {"ProjectionType": "ALL"}),
        SAMPLE_INDEX: ([SAMPLE_KEY], {"ProjectionType": "ALL"}),
    }
    assert template.physical_name("CustomersTable") == "customers"
    assert template.properties("CustomerEmailsTable")["KeySchema"] == [
        {"AttributeName": "email", "KeyType": "HASH"}
    ]


def test_every_crm_function_runs_the_crm_handler_with_both_table_names(template: Template) -> None:
    crm = [
        f
        for f in template.functions().values()
        if any(e["Properties"].get("RestApiId") == "CrmApi" for e in f.events.values())
    ]

    assert len(crm) == 7  # one function per route
    for function in crm:
        assert function.handler == "patron.crm.handlers.lambda_handler"
        assert function.environment["CUSTOMERS_TABLE"] == "customers"
        assert function.environment["CUSTOMER_EMAILS_TABLE"] == "customer_emails"
