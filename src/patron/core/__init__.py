"""Shared by every service: the HTTP resolver, domain errors, observability and settings."""
