"""Use cases: permission checks, business rules, one unit of work each, audit, events."""
