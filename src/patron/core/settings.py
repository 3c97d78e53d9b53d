"""Settings read from the environment. Field names are exactly the template's environment variable
names; each name is unique per meaning, so every function's environment can coexist in one process."""

from __future__ import annotations

import os
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    CORS_ALLOW_ORIGIN: str = "*"
    CUSTOMER_IDS_TABLE: str = "customer_ids"
    CUSTOMER_ID_DELETIONS_TABLE: str = "customer_id_deletions"
    # marketing
    MARKETING_INTERESTS_TABLE: str = "MarketingInterests"
    MARKETING_BATCHES_BUCKET: str = ""
    MARKETING_STATE_MACHINE_ARN: str = ""
    # crm
    CUSTOMERS_TABLE: str = "customers"
    CUSTOMER_EMAILS_TABLE: str = "customer_emails"
    # ids workflow (issue 5)
    CUSTOMERS_WORKFLOW_ARN: str = ""
    # enrollment
    AGE_GROUPS_TABLE: str = "AgeGroupsTable"
    ENROLLMENTS_TABLE: str = "EnrollmentsTable"
    ENROLLMENT_QUEUE_URL: str = ""
    PROCESSING_DELAY_SECONDS: float = Field(default=4, ge=0)
    CPF_VALIDATION: Literal["format", "checksum"] = "format"
    # privacy
    PRIVACY_REQUESTS_TABLE: str = ""
    PRIVACY_ERASURES_TABLE: str = ""
    PRIVACY_EXPORTS_BUCKET: str = ""
    PRIVACY_STATE_MACHINE_ARN: str = ""
    PRIVACY_HASH_KEY_SECRET: str = ""


@cache
def settings() -> Settings:
    return Settings.model_validate(os.environ)
