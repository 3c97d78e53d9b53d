"""The one client factory (botocore Config) and the one reset of the wiring."""

from __future__ import annotations

import pytest

from patron.core import aws
from patron.core.settings import MissingSetting, settings
from patron.crm import wiring as crm
from patron.enrollment import wiring as enrollment
from patron.ids import wiring as ids
from patron.marketing import wiring as marketing


def test_every_client_has_the_stated_timeouts_and_standard_retries(cloud: None) -> None:
    config = aws.client("dynamodb").meta.config

    assert (config.connect_timeout, config.read_timeout) == (1, 2)
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}


def test_every_presigned_s3_url_is_signed_with_sigv4_which_s3_accepts_for_new_buckets(cloud: None) -> None:
    # botocore presigns with SigV2 in us-east-1 unless told otherwise; AWS refuses SigV2 for new buckets
    from patron.privacy import wiring as privacy

    urls = [
        aws.client("s3").generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"}),
        privacy.objects().url("exports/x.json"),
        marketing.batches()._client.generate_presigned_url("put_object", Params={"Bucket": "b", "Key": "k"}),
    ]

    for url in urls:
        assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url, url
        assert "AWSAccessKeyId=" not in url, url


def test_one_reset_rebuilds_every_service_from_the_environment(
    cloud: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    builders = [
        ids.repository,
        ids.workflow,
        ids.events,
        crm.repository,
        enrollment.age_groups,
        enrollment.enrollments,
        enrollment.queue,
        marketing.batches,
        marketing.interests,
        marketing.pipeline,
    ]
    before = [build() for build in builders]
    assert [build() for build in builders] == before  # cached

    monkeypatch.setenv("CUSTOMER_IDS_TABLE", "other_ids")
    aws.reset()

    after = [build() for build in builders]
    assert all(new is not old for new, old in zip(after, before, strict=True))
    assert ids.repository()._table == "other_ids"


def test_a_resource_name_the_environment_lacks_fails_on_first_use_with_its_name(
    cloud: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CUSTOMERS_TABLE")
    aws.reset()

    assert settings().CUSTOMER_IDS_TABLE == "customer_ids"  # the others are still there
    with pytest.raises(MissingSetting, match="CUSTOMERS_TABLE"):
        crm.repository()
