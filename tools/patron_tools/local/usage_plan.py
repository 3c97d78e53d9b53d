"""The template's API Gateway usage plans, enforced by the local gateway as API Gateway enforces them
(https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html): per
API key, across every API stage of the plan, a token bucket (`Throttle.RateLimit` requests per second
refill, `Throttle.BurstLimit` capacity) answers 429 `{"message": "Too Many Requests"}` when empty, and
the quota (`Quota.Limit` requests per `Quota.Period`, a UTC calendar day, week or month) answers 429
`{"message": "Limit Exceeded"}` once used up."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from patron_tools.local.template import Template

THROTTLED = "Too Many Requests"
QUOTA_EXCEEDED = "Limit Exceeded"


def _period_start(period: str, now: datetime) -> tuple[int, ...]:
    """Which quota period `now` falls in: API Gateway's periods begin at midnight UTC (weeks on
    Monday, months on the first)."""
    if period == "MONTH":
        return (now.year, now.month)
    if period == "WEEK":
        iso = now.isocalendar()
        return (iso.year, iso.week)
    return (now.year, now.month, now.day)


@dataclass
class _KeyUsage:
    tokens: float
    refilled: float
    period: tuple[int, ...] = ()
    used: int = 0


@dataclass
class UsagePlan:
    """`admit(api_key)` → None when the request may go on, else the message of API Gateway's 429."""

    rate: float  # requests per second
    burst: int
    quota: int | None = None
    period: str = "DAY"
    _usage: dict[str, _KeyUsage] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, api_key: str, now: float | None = None, today: datetime | None = None) -> str | None:
        now = time.monotonic() if now is None else now
        period = _period_start(self.period, today or datetime.now(UTC))
        with self._lock:
            usage = self._usage.setdefault(api_key, _KeyUsage(tokens=float(self.burst), refilled=now))
            usage.tokens = min(float(self.burst), usage.tokens + (now - usage.refilled) * self.rate)
            usage.refilled = now
            if usage.period != period:
                usage.period, usage.used = period, 0
            if self.quota is not None and usage.used >= self.quota:
                return QUOTA_EXCEEDED
            if usage.tokens < 1:
                return THROTTLED
            usage.tokens -= 1
            usage.used += 1
            return None


def usage_plan(template: Template) -> UsagePlan | None:
    """The template's usage plan (the first one; Patron has one for its four APIs), or None."""
    for resource in template.of_type("AWS::ApiGateway::UsagePlan").values():
        properties = resource.get("Properties", {})
        throttle = template.resolve(properties.get("Throttle", {}))
        quota = template.resolve(properties.get("Quota", {}))
        if not throttle and not quota:
            continue
        return UsagePlan(
            rate=float(throttle.get("RateLimit", float("inf"))),
            burst=int(throttle.get("BurstLimit", 2**31)),
            quota=int(quota["Limit"]) if "Limit" in quota else None,
            period=str(quota.get("Period", "DAY")),
        )
    return None
