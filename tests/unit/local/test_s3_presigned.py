"""The local AWS endpoint checks presigned S3 URLs as S3 does (moto_patches.verify_presigned_requests)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

import boto3
import botocore.auth
import pytest
import requests
from botocore.config import Config
from moto import mock_aws
from moto.server import ThreadedMotoServer
from tests.devserver import free_port

from patron_tools.local import moto_patches

BUCKET = "presigned-checks"
JSON = {"Content-Type": "application/json"}


@dataclass
class Endpoint:
    url: str

    def s3(self, **credentials: str) -> Any:
        return boto3.client(
            "s3", endpoint_url=self.url, config=Config(signature_version="s3v4"), **credentials
        )

    def put_url(self, **credentials: str) -> str:
        return str(
            self.s3(**credentials).generate_presigned_url(
                "put_object",
                Params={"Bucket": BUCKET, "Key": "uploads/u.json", "ContentType": "application/json"},
                ExpiresIn=900,
            )
        )

    def stored(self) -> list[str]:
        return [item["Key"] for item in self.s3().list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    """The AWS endpoint on a free port, serving the in-process moto state, as `patron dev` serves it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def endpoint(aws_env: None, server_url: str) -> Iterator[Endpoint]:
    moto_patches.apply_all()
    with mock_aws():
        local = Endpoint(server_url)
        local.s3().create_bucket(Bucket=BUCKET)
        yield local


def error(response: requests.Response) -> tuple[int, str, str]:
    document = ElementTree.fromstring(response.content)  # noqa: S314 - the local endpoint's own answer
    return response.status_code, document.findtext("Code") or "", document.findtext("Message") or ""


def with_parameter(url: str, name: str, value: str | None) -> str:
    """`url` with one query parameter replaced (None: removed)."""
    base, _, query = url.partition("?")
    pairs = [pair for pair in query.split("&") if pair.partition("=")[0] != name]
    return f"{base}?{'&'.join(pairs + ([f'{name}={value}'] if value is not None else []))}"


def test_a_valid_presigned_put_stores_the_object(endpoint: Endpoint) -> None:
    put = requests.put(endpoint.put_url(), data=b"[]", headers=JSON, timeout=10)

    assert put.status_code == 200
    assert endpoint.stored() == ["uploads/u.json"]


def test_a_tampered_signature_is_refused(endpoint: Endpoint) -> None:
    url = with_parameter(endpoint.put_url(), "X-Amz-Signature", "0" * 64)

    put = requests.put(url, data=b"[]", headers=JSON, timeout=10)

    assert error(put)[:2] == (403, "SignatureDoesNotMatch")
    assert endpoint.stored() == []


def test_a_changed_signed_header_is_refused(endpoint: Endpoint) -> None:
    put = requests.put(endpoint.put_url(), data=b"[]", headers={"Content-Type": "text/plain"}, timeout=10)

    assert error(put)[:2] == (403, "SignatureDoesNotMatch")
    assert endpoint.stored() == []


def test_a_changed_query_parameter_is_refused(endpoint: Endpoint) -> None:
    url = with_parameter(endpoint.put_url(), "X-Amz-Expires", "604800")  # signed for 900 s

    put = requests.put(url, data=b"[]", headers=JSON, timeout=10)

    assert error(put)[:2] == (403, "SignatureDoesNotMatch")


def test_an_expired_url_is_refused(endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: datetime(2020, 1, 1))
    url = endpoint.put_url()  # signed on 2020-01-01, valid 900 s
    assert "X-Amz-Date=20200101T000000Z" in url

    put = requests.put(url, data=b"[]", headers=JSON, timeout=10)

    assert error(put) == (403, "AccessDenied", "Request has expired")
    assert endpoint.stored() == []


def test_a_presigned_get_with_a_tampered_signature_serves_nothing(endpoint: Endpoint) -> None:
    endpoint.s3().put_object(Bucket=BUCKET, Key="exports/e.json", Body=b'{"personal": "data"}')
    url = endpoint.s3().generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "exports/e.json"}, ExpiresIn=3600
    )
    signature = url.rpartition("X-Amz-Signature=")[2]
    tampered = with_parameter(url, "X-Amz-Signature", signature[::-1])

    assert requests.get(url, timeout=10).json() == {"personal": "data"}
    refused = requests.get(tampered, timeout=10)
    assert error(refused)[:2] == (403, "SignatureDoesNotMatch")
    assert b"personal" not in refused.content


def test_a_signature_version_2_url_is_refused_as_s3_refuses_it_for_new_buckets(endpoint: Endpoint) -> None:
    endpoint.s3().put_object(Bucket=BUCKET, Key="exports/e.json", Body=b"{}")
    v2 = boto3.client("s3", endpoint_url=endpoint.url, config=Config(signature_version="s3"))
    url = v2.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "exports/e.json"})
    assert "AWSAccessKeyId=" in url
    assert "X-Amz-Signature" not in url

    status, code, message = error(requests.get(url, timeout=10))

    assert (status, code) == (400, "InvalidRequest")
    assert "Please use AWS4-HMAC-SHA256" in message


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("X-Amz-Credential", None, "requires the X-Amz-Algorithm, X-Amz-Credential"),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA1", 'only supports "AWS4-HMAC-SHA256"'),
        ("X-Amz-Credential", "testing%2F20200101%2Fus-east-1", "the Credential is mal-formed"),
        (
            "X-Amz-Credential",
            "testing%2F20200101%2Fus-east-1%2Fsqs%2Faws4_request",
            'incorrect service "sqs"',
        ),
        ("X-Amz-Date", "yesterday", "ISO8601 Long Format"),
        ("X-Amz-Expires", "604801", "less than a week"),
        ("X-Amz-Expires", "-1", "must be non-negative"),
        ("X-Amz-Expires", "soon", "should be a number"),
    ],
)
def test_malformed_query_parameters_are_refused(
    endpoint: Endpoint, name: str, value: str | None, message: str
) -> None:
    put = requests.put(with_parameter(endpoint.put_url(), name, value), data=b"[]", headers=JSON, timeout=10)

    status, code, text = error(put)
    assert (status, code) == (400, "AuthorizationQueryParametersError")
    assert message in text
    assert endpoint.stored() == []


def test_a_key_the_local_iam_knows_is_verified_with_its_own_secret(endpoint: Endpoint) -> None:
    iam = boto3.client("iam")
    iam.create_user(UserName="presigner")
    key = iam.create_access_key(UserName="presigner")["AccessKey"]
    own = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
    forged = {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": "patron-local"}

    assert requests.put(endpoint.put_url(**own), data=b"[]", headers=JSON, timeout=10).status_code == 200
    forged_put = requests.put(endpoint.put_url(**forged), data=b"[]", headers=JSON, timeout=10)
    assert error(forged_put)[:2] == (403, "SignatureDoesNotMatch")


def test_an_unknown_key_is_verified_with_the_local_clouds_secret(endpoint: Endpoint) -> None:
    other = {"aws_access_key_id": "someone", "aws_secret_access_key": "another-secret"}

    put = requests.put(endpoint.put_url(**other), data=b"[]", headers=JSON, timeout=10)

    assert error(put)[:2] == (403, "SignatureDoesNotMatch")


def test_unsigned_requests_are_refused_but_a_cors_preflight_is_answered(endpoint: Endpoint) -> None:
    endpoint.s3().put_object(Bucket=BUCKET, Key="exports/e.json", Body=b"{}")

    assert error(requests.get(f"{endpoint.url}/{BUCKET}/exports/e.json", timeout=10))[:2] == (
        403,
        "AccessDenied",
    )
    assert error(requests.put(f"{endpoint.url}/{BUCKET}/x.json", data=b"{}", timeout=10))[:2] == (
        403,
        "AccessDenied",
    )
    assert error(requests.get(f"{endpoint.url}/{BUCKET}", timeout=10))[:2] == (403, "AccessDenied")
    preflight = requests.options(
        endpoint.put_url(),
        headers={"Origin": "http://127.0.0.1:3000", "Access-Control-Request-Method": "PUT"},
        timeout=10,
    )
    assert preflight.status_code == 200
    assert endpoint.stored() == ["exports/e.json"]


def test_sdk_requests_signed_in_the_authorization_header_are_unchanged(endpoint: Endpoint) -> None:
    s3 = endpoint.s3()

    s3.put_object(Bucket=BUCKET, Key="k.json", Body=b"[1]", ContentType="application/json")

    assert s3.get_object(Bucket=BUCKET, Key="k.json")["Body"].read() == b"[1]"


def test_unpatched_moto_serves_a_tampered_presigned_put(endpoint: Endpoint) -> None:
    # canary: fails once moto verifies presigned URLs itself (then drop the workaround)
    url = with_parameter(endpoint.put_url(), "X-Amz-Signature", "0" * 64)

    with moto_patches.unpatched("verify_presigned_requests.key_response"):
        put = requests.put(url, data=b"[]", headers={"Content-Type": "text/plain"}, timeout=10)

    assert put.status_code == 200
    assert endpoint.stored() == ["uploads/u.json"]
