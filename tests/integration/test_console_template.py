"""The web console's hosting in template.yaml: a private, encrypted, TLS-only bucket behind
CloudFront with Origin Access Control, HTTPS only, single-page-app fallback, and config.json written
by the stack."""

from __future__ import annotations

from typing import Any

import pytest

from patron_tools.local.template import load_template


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    resources: dict[str, Any] = load_template()["Resources"]
    return resources


def test_the_bucket_is_private_and_encrypted(resources: dict[str, Any]) -> None:
    bucket = resources["ConsoleBucket"]["Properties"]

    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert "WebsiteConfiguration" not in bucket  # served by CloudFront only, never as an S3 website


def test_only_cloudfront_reads_the_bucket_and_only_over_tls(resources: dict[str, Any]) -> None:
    statements = resources["ConsoleBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allow = [s for s in statements if s["Effect"] == "Allow"]
    deny = [s for s in statements if s["Effect"] == "Deny"]

    assert [s["Principal"] for s in allow] == [{"Service": "cloudfront.amazonaws.com"}]
    assert allow[0]["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in allow[0]["Condition"]["StringEquals"]  # this distribution, no other
    assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_cloudfront_uses_origin_access_control_https_and_spa_fallback(resources: dict[str, Any]) -> None:
    config = resources["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    origin = config["Origins"][0]

    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["ConsoleOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI
    oac = resources["ConsoleOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"]) == ("s3", "always")
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {b["ViewerProtocolPolicy"] for b in behaviors} == {"redirect-to-https"}
    assert config["DefaultRootObject"] == "index.html"
    fallback = {
        (e["ErrorCode"], e["ResponseCode"], e["ResponsePagePath"]) for e in config["CustomErrorResponses"]
    }
    assert fallback == {(403, 200, "/index.html"), (404, 200, "/index.html")}


def test_the_stack_writes_config_json_and_outputs_the_console_url() -> None:
    template = load_template()
    config = template["Resources"]["ConsoleConfig"]["Properties"]

    assert set(config["Apis"]) <= {"ids", "crm", "enrollment", "marketing", "privacy"}
    assert "ids" in config["Apis"]
    assert config["Bucket"] == {"Ref": "ConsoleBucket"}
    assert "ConsoleUrl" in template["Outputs"]
