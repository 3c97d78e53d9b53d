"""Step Functions tasks of privacy-requests (statemachines/privacy_requests.asl.json): the factory
of each service's task (the service modules `patron.<service>.privacy` define what is found and how
it is erased) and the finishing task. Transient AWS errors leave as `TransientError`, which the state
machine retries with backoff."""

from __future__ import annotations

from typing import Any

from patron.core.steps import Task, task
from patron.privacy import service
from patron.privacy.models import FinishInput, Service, TaskInput
from patron.privacy.wiring import objects, records


def privacy_task(name: Service, part: service.Part) -> Task:
    """The Lambda handler of one service's part: `{"request_id", "type", "started_at"}` →
    `{"service", "found"}` (the items themselves travel through S3, never through the execution)."""

    def step(event: dict[str, Any]) -> dict[str, Any]:
        result = service.run_part(name, TaskInput.model_validate(event), part, objects())
        return result.model_dump()

    return task("request_id")(step)  # one request followed through its five tasks


@task("request_id")
def finish(event: dict[str, Any]) -> dict[str, Any]:
    return service.finish(FinishInput.model_validate(event), records(), objects())
