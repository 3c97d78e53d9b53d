"""marketing's part of a privacy request (SPEC §1.6): the interests stored under the person's e-mail
(the table's key). An erase first records the erasure (the e-mail's keyed hash and the time), then
deletes the interests: a batch already in flight checks that record after it stores, and deletes what
it stored for an e-mail erased after its execution started (`steps.store_marketing_interests`)."""

from __future__ import annotations

from typing import Any

from patron.marketing.models import StoredInterests
from patron.marketing.wiring import interests
from patron.privacy.models import Subject
from patron.privacy.repository import now
from patron.privacy.steps import privacy_task
from patron.privacy.wiring import erasures, hash_key


def part(subject: Subject, request_type: str, started_at: str) -> list[dict[str, Any]]:
    if subject.email is None:
        return []
    repo = interests()
    stored = repo.get(subject.email)
    if request_type == "erase":
        erasures().record(hash_key().digest("email", subject.email), now())
        if stored is not None:
            repo.write([], [subject.email])
    return [StoredInterests.model_validate(stored).model_dump()] if stored is not None else []


handler = privacy_task("marketing", part)
