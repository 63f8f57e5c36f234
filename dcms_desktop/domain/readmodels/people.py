"""Read models of people: the signed-in actor, users, patients."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dcms_desktop.domain.enums import Role


@dataclass(frozen=True)
class Actor:
    """Who is doing something: passed to every service use case."""

    user_id: uuid.UUID
    email: str
    role: Role
    display_name: str
