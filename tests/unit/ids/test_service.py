from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from patron.ids import service
from patron.ids.repository import IdsRepository


def repository() -> IdsRepository:
    return IdsRepository(boto3.client("dynamodb"), "customer_ids")


def test_register_is_idempotent_and_reports_creation(cloud: None) -> None:
    repo = repository()

    assert service.register("id-1", repo) is True
    assert service.register("id-1", repo) is False
    assert service.is_registered("id-1", repo) is True


def test_unregister_reports_whether_the_id_existed(cloud: None) -> None:
    repo = repository()
    service.register("id-2", repo)

    assert service.unregister("id-2", repo) is True
    assert service.unregister("id-2", repo) is False
    assert service.is_registered("id-2", repo) is False


def test_concurrent_registrations_of_one_id_create_it_exactly_once(dynamodb: Any) -> None:
    repo = repository()

    with ThreadPoolExecutor(max_workers=48) as pool:
        results = list(pool.map(lambda _: service.register("contended", repo), range(48)))

    assert results.count(True) == 1
    assert results.count(False) == 47
    assert dynamodb.scan(TableName="customer_ids")["Count"] == 1


def test_a_run_started_by_customer_created_never_inserts_a_deleted_id(cloud: None, dynamodb: Any) -> None:
    repo = repository()
    service.register("gone", repo)
    service.unregister("gone", repo)

    assert service.insert("gone", repo, trigger="CustomerCreated").result == "AlreadyExists"
    assert "Item" not in dynamodb.get_item(TableName="customer_ids", Key={"id": {"S": "gone"}})


def test_a_submitted_run_inserts_a_deleted_id_again(cloud: None, dynamodb: Any) -> None:
    repo = repository()
    service.register("back", repo)
    service.unregister("back", repo)

    assert service.insert("back", repo).result == "Inserted"
    item = dynamodb.get_item(TableName="customer_ids", Key={"id": {"S": "back"}})["Item"]
    assert item["created_by"] == {"S": "workflow"}
