"""Bills, bill items, payments and invoice numbers."""

from __future__ import annotations

from sqlalchemy.orm import Session


class BillRepository:
    """Bills, bill items, payments and invoice numbers."""

    def __init__(self, session: Session) -> None:
        self.session = session
