"""ids' part of a privacy request (SPEC §1.6): the registry entry with the given id (by its key); an
erase deletes it, as DELETE /customers/{id} does; a workflow run in flight never brings it back (a run
started by CustomerCreated never inserts: docs/decisions.md)."""

from __future__ import annotations

from typing import Any

from patron.ids.models import IdLookup
from patron.ids.wiring import repository
from patron.privacy.models import Subject
from patron.privacy.steps import privacy_task


def part(subject: Subject, request_type: str, started_at: str) -> list[dict[str, Any]]:
    if subject.id is None:
        return []
    repo = repository()
    found = repo.delete(subject.id) if request_type == "erase" else repo.exists(subject.id)
    return [IdLookup(id=subject.id, exists=True).model_dump()] if found else []


handler = privacy_task("ids", part)
