"""The ids registry's logic: plain functions over a repository, no HTTP, no environment."""

from __future__ import annotations

from patron.core.observability import logger
from patron.ids.repository import IdsRepository


def register(customer_id: str, repository: IdsRepository) -> bool:
    created = repository.insert(customer_id)
    logger.info("id registered", extra={"customer_id": customer_id, "was_created": created})
    return created


def is_registered(customer_id: str, repository: IdsRepository) -> bool:
    return repository.exists(customer_id)


def unregister(customer_id: str, repository: IdsRepository) -> bool:
    deleted = repository.delete(customer_id)
    logger.info("id unregistered", extra={"customer_id": customer_id, "was_deleted": deleted})
    return deleted
