"""The ids registry's logic: plain functions over a repository, no HTTP, no environment."""

from __future__ import annotations

from patron.core.errors import NotFound
from patron.core.observability import logger
from patron.ids.models import Trigger, WorkflowExecution, WorkflowResult, WorkflowStarted
from patron.ids.repository import CustomerEvents, CustomersWorkflow, IdsRepository


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


# ---------------------------------------------------------------- the workflow and its events
def submit(customer_id: str, workflow: CustomersWorkflow) -> WorkflowStarted:
    """Start a run for the id with the input `{"id"}`: a run that inserts the id if it is new."""
    execution_arn, name = workflow.start(customer_id)
    logger.info("workflow submitted", extra={"customer_id": customer_id, "execution_name": name})
    return WorkflowStarted(executionArn=execution_arn, executionName=name, id=customer_id)


def execution(name: str, workflow: CustomersWorkflow) -> WorkflowExecution:
    found = workflow.execution(name)
    if found is None:
        raise NotFound(f"There is no workflow execution named {name!r}.")
    return found


def insert(customer_id: str, repository: IdsRepository, trigger: Trigger | None = None) -> WorkflowResult:
    """The workflow's InsertId: an id created meanwhile (a lost race) is AlreadyExists. A run started
    by a CustomerCreated event (`trigger`) never inserts: its id was created by the PUT, so an id absent
    now was deleted since, and inserting it would undo the DELETE (SPEC §4: that path ends
    AlreadyExists)."""
    inserted = trigger is None and repository.insert(customer_id, created_by="workflow")
    logger.info(
        "workflow insert", extra={"customer_id": customer_id, "inserted": inserted, "trigger": trigger}
    )
    return WorkflowResult(id=customer_id, result="Inserted" if inserted else "AlreadyExists")


def audit_existing(customer_id: str) -> WorkflowResult:
    """The workflow's LogEvent: one structured audit line for an id that was already registered."""
    logger.info("workflow audit", extra={"customer_id": customer_id, "result": "AlreadyExists"})
    return WorkflowResult(id=customer_id, result="AlreadyExists")


def publish_created(customer_id: str, events: CustomerEvents) -> None:
    events.customer_created(customer_id)
    logger.info("CustomerCreated published", extra={"customer_id": customer_id})
