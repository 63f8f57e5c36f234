"""The clinic's shared settings row."""

from __future__ import annotations

from sqlalchemy.orm import Session


class SettingsRepository:
    """The clinic's shared settings row."""

    def __init__(self, session: Session) -> None:
        self.session = session
