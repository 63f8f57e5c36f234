"""Inventory items, stock movements and restock requests."""

from __future__ import annotations

from sqlalchemy.orm import Session


class InventoryRepository:
    """Inventory items, stock movements and restock requests."""

    def __init__(self, session: Session) -> None:
        self.session = session
