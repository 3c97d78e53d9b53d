"""Every validation message reads as a predicate of its field ("email_address must be …", "date_of_birth
is not a real date"): the API's summary is `<field> <message>`, so a message that names its field again
("max_age max_age must be …") or is a noun phrase ("cpf a CPF is 11 digits") reads garbled."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from tests.customers import customer_body

from patron.core.errors import plain_message
from patron.crm.models import NewCustomer
from patron.enrollment.models import AgeGroupInput, EnrollmentInput
from patron.ids.models import StepInput
from patron.marketing.models import MarketingRecord
from patron.privacy.models import PrivacyRequestInput

PREDICATES = ("must ", "is ", "has ", "holds ")

CASES: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (AgeGroupInput, {"min_age": 10, "max_age": 5}),
    (AgeGroupInput, {"min_age": -1, "max_age": "x"}),
    (EnrollmentInput, {"name": "", "age": 1.5, "cpf": "123"}),
    (EnrollmentInput, {}),
    (PrivacyRequestInput, {"type": "export"}),
    (PrivacyRequestInput, {"type": "keep", "email": "no", "cpf": "1", "customer_id": "x", "id": "a b"}),
    (NewCustomer, customer_body() | {"date_of_birth": "2023-02-30", "first_name": " "}),
    (
        NewCustomer,
        customer_body() | {"customer_acquisition_date": "2023-02-30T00:00:00Z", "phone_number": "x"},
    ),
    (NewCustomer, customer_body() | {"email_address": "a" * 65 + "@example.com", "lifetime_value": "1e999"}),
    (NewCustomer, customer_body() | {"preferred_communication_channels": ["email", "email"], "unknown": 1}),
    (StepInput, {"id": "not valid!"}),
    (MarketingRecord, {"Name": "", "Email": "bad", "MarketingOptIn": "yes", "MarketingInterests": [""]}),
]


@pytest.mark.parametrize(
    ("model", "body"), CASES, ids=[f"{m.__name__}-{i}" for i, (m, _) in enumerate(CASES)]
)
def test_every_validation_message_is_a_predicate_of_its_field(
    model: type[BaseModel], body: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as invalid:
        model.model_validate(body)

    for error in invalid.value.errors():
        field = ".".join(str(part) for part in error["loc"]) or "body"
        message = plain_message(error)
        assert message.startswith(PREDICATES), f"{field}: {message!r}"
        assert not message.startswith(field), f"{field}: {message!r}"
