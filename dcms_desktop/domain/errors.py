"""Errors the domain and services raise, written for the person at the desk.

Each carries a ``message`` a screen can show as it is and, where the error is about one
input, the ``field`` it is about so a form can put the message next to that field.
"""

from __future__ import annotations

from datetime import datetime


class DcmsError(Exception):
    """Base of every error the application expects and explains to its user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DcmsError):
    """An input breaks a rule; ``field`` names it when there is one."""


class NotFoundError(DcmsError):
    """The record asked for does not exist (or is not visible to the actor)."""


class PermissionDeniedError(DcmsError):
    """The actor's role may not do this."""


class ConflictError(DcmsError):
    """The change collides with another record (a double booking, a duplicate email)."""


class StaleRecordError(ConflictError):
    """Someone else saved the record after it was opened (optimistic locking)."""

    def __init__(
        self,
        message: str,
        *,
        changed_by: str | None = None,
        changed_at: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.changed_by = changed_by
        self.changed_at = changed_at


class InsufficientStockError(ConflictError):
    """A stock movement would take an item below zero."""

    def __init__(self, message: str, *, available: int) -> None:
        super().__init__(message, field="quantity")
        self.available = available
