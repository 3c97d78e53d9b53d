"""The patterns and field names that keep personal data out of log lines."""

from __future__ import annotations

import pytest

from patron.core.masking import mask, mask_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("new customer jane.doe+news@example.com", "new customer <email>"),
        ("path /preferences/Jane%40Example.com", "path /preferences/<email>"),
        ("value 'jane@' is not an e-mail", "value '<email>' is not an e-mail"),
        ("cpf 123.456.789-00 and 12345678900", "cpf <cpf> and <cpf>"),
        ("born 1990-05-17.", "born <date>."),
        ("born 17/05/1990", "born <date>"),
        ("call 555-0123", "call <phone>"),
        ("call +55 (11) 98765-4321 now", "call <phone> now"),
        ('{"phone_number": "+1 555 010 0199"}', '{"phone_number": "<phone>"}'),
        ("Bearer eyJraWQiOiJkIn0.eyJzdWIiOiJ4In0.c2ln-_x", "Bearer <token>"),
    ],
)
def test_personal_data_in_text_is_masked(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-22T04:56:34Z",
        "2026-11-22 04:56:34,978+0000",
        "c6af9ac6-7b61-11e6-9a41-93e812345678",
        "arn:aws:states:us-east-1:123456789012:execution:customers-workflow:abc",
        "took 1234.5678 ms for 50000 records",
        "1-5759e988-bd862e3fe1be46a994272793",
        "customers seeded: 10",
    ],
)
def test_timestamps_ids_and_numbers_stay_readable(text: str) -> None:
    assert mask_text(text) == text


def test_fields_named_after_personal_data_are_masked_whatever_their_value() -> None:
    record = {
        "customer_id": "9b2f",
        "email_address": "jane@example.com",
        "Email": "not even an e-mail",
        "phone-number": "12",
        "cpf": 12345678900,
        "date_of_birth": "1990-05-17",
        "nested": [{"email": "x"}, ("a", "b@c.d")],
        "count": 3,
        "ok": True,
        "none": None,
    }

    assert mask(record) == {
        "customer_id": "9b2f",
        "email_address": "<email>",
        "Email": "<email>",
        "phone-number": "<phone>",
        "cpf": "<cpf>",
        "date_of_birth": "<date>",
        "nested": [{"email": "<email>"}, ["a", "<email>"]],
        "count": 3,
        "ok": True,
        "none": None,
    }


def test_other_objects_are_masked_as_their_text() -> None:
    error = ValueError("jane@example.com is taken")

    assert mask(error) == "<email> is taken"


def test_an_authorization_header_is_masked_whatever_its_scheme() -> None:
    event = {"headers": {"Authorization": "Basic dXNlcjpwYXNz", "x-api-key": "k"}}

    assert mask(event) == {"headers": {"Authorization": "<token>", "x-api-key": "k"}}
