"""Settings read from the environment. Field names are exactly the template's environment variable
names; each name is unique per meaning, so every function's environment can coexist in one process.

Resource names and ARNs have no defaults: a function whose template `Environment` lacks one fails on
the first use of it with `MissingSetting` naming the variable, never addressing another stage's (or the
local, unprefixed) table. Behaviour settings (CORS origin, processing delay, CPF mode) keep the defaults
the template's parameters default to."""

from __future__ import annotations

import os
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class MissingSetting(RuntimeError):
    """A function read a resource name or ARN its environment does not have (template.yaml)."""


class _Missing(str):
    """The value of a resource setting absent from the environment; reading it raises."""


REQUIRED: Any = _Missing()


class Settings(BaseModel):
    """One field per environment variable of template.yaml."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    CORS_ALLOW_ORIGIN: str = "*"
    # ids
    CUSTOMER_IDS_TABLE: str = REQUIRED
    CUSTOMERS_WORKFLOW_ARN: str = REQUIRED
    EVENT_BUS_NAME: str = REQUIRED  # the stage's own bus (template: EventBus)
    # marketing
    MARKETING_INTERESTS_TABLE: str = REQUIRED
    MARKETING_BATCHES_BUCKET: str = REQUIRED
    MARKETING_STATE_MACHINE_ARN: str = REQUIRED
    # crm
    CUSTOMERS_TABLE: str = REQUIRED
    CUSTOMER_EMAILS_TABLE: str = REQUIRED
    # Idempotency-Key records of the create routes (crm, enrollment)
    IDEMPOTENCY_TABLE: str = REQUIRED
    # enrollment
    AGE_GROUPS_TABLE: str = REQUIRED
    ENROLLMENTS_TABLE: str = REQUIRED
    ENROLLMENT_QUEUE_URL: str = REQUIRED
    PROCESSING_DELAY_SECONDS: float = Field(default=4, ge=0)
    CPF_VALIDATION: Literal["format", "checksum"] = "format"
    # privacy
    PRIVACY_REQUESTS_TABLE: str = REQUIRED
    PRIVACY_ERASURES_TABLE: str = REQUIRED
    PRIVACY_EXPORTS_BUCKET: str = REQUIRED
    PRIVACY_STATE_MACHINE_ARN: str = REQUIRED
    PRIVACY_HASH_KEY_SECRET: str = REQUIRED
    # identity: the stage's Cognito user pool, whose access tokens the authorizer checks
    USER_POOL_ID: str = REQUIRED

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if type(value) is _Missing:
            raise MissingSetting(
                f"the environment variable {name} is not set: add it to this function's "
                "Environment in template.yaml"
            )
        return value


@cache
def settings() -> Settings:
    return Settings.model_validate(os.environ)
