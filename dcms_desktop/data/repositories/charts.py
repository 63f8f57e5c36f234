"""Tooth charts and treatments."""

from __future__ import annotations

from sqlalchemy.orm import Session


class ToothChartRepository:
    """Tooth charts and treatments."""

    def __init__(self, session: Session) -> None:
        self.session = session
