"""The service catalogue and its inventory mappings."""

from __future__ import annotations

from sqlalchemy.orm import Session


class ServiceRepository:
    """The service catalogue and its inventory mappings."""

    def __init__(self, session: Session) -> None:
        self.session = session
