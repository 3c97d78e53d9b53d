"""`patron console publish` (make deploy) and `patron stack empty` (make destroy) against moto's S3,
CloudFront and CloudFormation: what lands in the bucket, with which headers, and what is left alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from patron_tools import cli

BUCKET = "patron-dev-console"
BATCHES = "patron-dev-batches"


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A deployed stack as far as publishing sees it: its outputs, its bucket, its distribution."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        distribution = boto3.client("cloudfront").create_distribution(
            DistributionConfig={
                "CallerReference": "patron",
                "Comment": "",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "s3",
                            "DomainName": f"{BUCKET}.s3.amazonaws.com",
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                },
                "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https"},
            }
        )["Distribution"]
        bucket = {"Type": "AWS::S3::Bucket"}
        boto3.client("cloudformation").create_stack(
            StackName="patron-dev",
            TemplateBody=json.dumps(
                {
                    "Resources": {
                        "ConsoleBucket": {**bucket, "Properties": {"BucketName": BUCKET}},
                        "MarketingBatchesBucket": {**bucket, "Properties": {"BucketName": BATCHES}},
                    },
                    "Outputs": {
                        "ConsoleBucketName": {"Value": {"Ref": "ConsoleBucket"}},
                        "ConsoleDistributionId": {"Value": distribution["Id"]},
                    },
                }
            ),
        )
        s3 = boto3.client("s3")
        s3.put_object(Bucket=BUCKET, Key="config.json", Body=b'{"apis": {}}')
        s3.put_object(Bucket=BUCKET, Key="assets/index-OLD.js", Body=b"old build")
        s3.put_object(Bucket=BATCHES, Key="batches/one.json", Body=b"[]")
        yield {"ConsoleBucketName": BUCKET, "ConsoleDistributionId": distribution["Id"]}


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Patron</title>")
    (tmp_path / "assets" / "index-NEW.js").write_text("console.log('new')")
    (tmp_path / "assets" / "index-NEW.css").write_text("body{}")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path / "config.json").write_text('{"apis": {"ids": "/ids"}}')  # the local one: never uploaded
    return tmp_path


def objects(bucket: str = BUCKET) -> dict[str, dict[str, Any]]:
    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key) for key in keys}


def test_publish_uploads_the_build_replaces_the_old_one_and_keeps_the_stacks_config(
    stack: dict[str, str], dist: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["console", "publish", "--stack", "patron-dev", "--dist", str(dist)]) == 0

    found = objects()
    assert sorted(found) == [
        "assets/index-NEW.css",
        "assets/index-NEW.js",
        "config.json",
        "favicon.svg",
        "index.html",
    ]
    assert found["config.json"]["Body"].read() == b'{"apis": {}}'
    assert (found["index.html"]["ContentType"], found["index.html"]["CacheControl"]) == (
        "text/html",
        "no-cache",
    )
    assert found["assets/index-NEW.js"]["ContentType"] in ("text/javascript", "application/javascript")
    assert found["assets/index-NEW.js"]["CacheControl"] == "public, max-age=31536000, immutable"
    assert found["assets/index-NEW.css"]["ContentType"] == "text/css"
    assert found["favicon.svg"]["ContentType"] == "image/svg+xml"
    invalidations = boto3.client("cloudfront").list_invalidations(
        DistributionId=stack["ConsoleDistributionId"]
    )
    assert invalidations["InvalidationList"]["Quantity"] == 1
    assert "uploaded 4, deleted 1 stale" in capsys.readouterr().out


def test_publish_refuses_a_missing_build(stack: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make console"):
        cli.main(["console", "publish", "--stack", "patron-dev", "--dist", str(tmp_path)])

    assert sorted(objects()) == ["assets/index-OLD.js", "config.json"]


def test_stack_empty_empties_every_bucket_so_the_stack_can_delete_them(
    stack: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["stack", "empty", "--stack", "patron-dev"]) == 0

    assert (objects(BUCKET), objects(BATCHES)) == ({}, {})
    assert f"{BUCKET}: deleted 2 object(s)" in capsys.readouterr().out


def test_stack_empty_of_a_stack_that_is_gone_is_not_an_error(stack: dict[str, str]) -> None:
    assert cli.main(["stack", "empty", "--stack", "patron-gone"]) == 0

    assert sorted(objects(BATCHES)) == ["batches/one.json"]
