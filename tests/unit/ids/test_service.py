from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

from patron.ids import service
from patron.ids.repository import IdsRepository


def repository() -> IdsRepository:
    return IdsRepository(boto3.client("dynamodb"), "customer_ids", "customer_id_deletions")


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


def test_the_workflow_does_not_reinsert_a_deleted_id_until_a_submit_clears_its_marker(cloud: None) -> None:
    repo = repository()
    service.register("gone", repo)
    service.unregister("gone", repo)

    assert service.insert("gone", repo).result == "AlreadyExists"
    assert service.is_registered("gone", repo) is False

    repo.forget_deletion("gone")  # what POST /workflow/submit does before starting a run
    assert service.insert("gone", repo).result == "Inserted"
    assert service.is_registered("gone", repo) is True


def test_an_expired_deletion_marker_no_longer_blocks_the_workflow(cloud: None) -> None:
    repo = repository()
    boto3.client("dynamodb").put_item(
        TableName="customer_id_deletions", Item={"id": {"S": "long-gone"}, "expires_at": {"N": "1"}}
    )

    assert service.insert("long-gone", repo).result == "Inserted"


def test_a_delete_leaves_a_marker_and_a_delete_of_nothing_leaves_none(cloud: None) -> None:
    repo = repository()
    service.register("marked", repo)
    service.unregister("marked", repo)
    service.unregister("never-there", repo)

    markers = boto3.client("dynamodb").scan(TableName="customer_id_deletions")["Items"]
    assert [m["id"]["S"] for m in markers] == ["marked"]
    assert int(markers[0]["expires_at"]["N"]) > time.time() + 3600
