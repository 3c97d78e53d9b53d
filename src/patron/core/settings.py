"""Settings read from the environment. Field names are exactly the template's environment variable
names; each name is unique per meaning, so every function's environment can coexist in one process."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    CORS_ALLOW_ORIGIN: str = "*"
    CUSTOMER_IDS_TABLE: str = "customer_ids"
    # ids workflow (issue 5)
    CUSTOMERS_WORKFLOW_ARN: str = ""


@cache
def settings() -> Settings:
    return Settings.model_validate(os.environ)
