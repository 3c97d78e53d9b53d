"""The privacy service (SPEC §1.6): data-subject requests — export and erasure — across every service."""
