"""Users, staff and patients."""

from __future__ import annotations

from sqlalchemy.orm import Session


class UserRepository:
    """Users, staff and patients."""

    def __init__(self, session: Session) -> None:
        self.session = session
