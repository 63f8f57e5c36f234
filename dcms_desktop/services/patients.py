"""Patient use cases: finding a patient, opening their record."""

from __future__ import annotations

import uuid

from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import NotFoundError
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.people import Actor, PatientHit, User
from dcms_desktop.services.context import ServiceContext

MAX_SEARCH_RESULTS = 100


class PatientService:
    """Finding and reading patients."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def search(self, actor: Actor, text: str, limit: int = 20) -> tuple[PatientHit, ...]:
        """Active patients whose first name, last name, "first last", email or phone
        digits start with ``text`` (any case), by last then first name."""
        require(actor.role, Action.VIEW_PATIENTS)
        limit = max(1, min(limit, MAX_SEARCH_RESULTS))
        with self.context.uow(write=False) as uow:
            return uow.users.search_patients(text, limit)

    def get(self, actor: Actor, patient_id: uuid.UUID) -> User:
        """A patient's record; ``NotFoundError`` for an id that isn't a patient's."""
        require(actor.role, Action.VIEW_PATIENTS)
        with self.context.uow(write=False) as uow:
            user = uow.users.get(patient_id)
        if user is None or user.role is not Role.PATIENT:
            raise NotFoundError("That patient no longer exists")
        return user
