"""enrollment: age groups, enrollment requests, and the queue processor that completes them (SPEC §1.3)."""
