"""Which invocations the local Lambda runtime runs one at a time."""

from __future__ import annotations

from patron_tools.local.lambdas import LambdaRuntime
from patron_tools.local.template import Template


def test_functions_of_different_apis_share_one_lock_and_others_have_their_module_s() -> None:
    # Given every function of the template
    functions = Template().functions()
    runtime = LambdaRuntime(functions)
    by_module = {function.handler.rsplit(".", 1)[0]: function for function in functions.values()}

    # When their locks are looked up
    def lock(module: str) -> object:
        return runtime.handler(by_module[module])[1]

    # Then the ids and crm APIs (Powertools keeps the current event per process) share one lock,
    assert lock("patron.ids.handlers") is lock("patron.crm.handlers") is lock("patron.enrollment.handlers")
    # and the queue processor and the workflow steps each have their own, apart from the APIs'
    assert lock("patron.enrollment.processor") is not lock("patron.ids.handlers")
    assert lock("patron.ids.steps") not in (lock("patron.ids.handlers"), lock("patron.enrollment.processor"))
