from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from patron.ids.models import CustomerId

customer_id = TypeAdapter(CustomerId)


@pytest.mark.parametrize("value", ["a", "user_123", "sfn-101", "a.b:c@d-e_f", "Z" * 128, "0"])
def test_valid_ids(value: str) -> None:
    assert customer_id.validate_python(value) == value


@pytest.mark.parametrize("value", ["", "Z" * 129, "a b", "a/b", "a#b", "ü", "a\nb", "a\x00"])
def test_invalid_ids(value: str) -> None:
    with pytest.raises(ValidationError):
        customer_id.validate_python(value)
