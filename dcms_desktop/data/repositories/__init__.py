"""One repository per aggregate; each speaks the domain's language and returns read models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from dcms_desktop.data.uow import UnitOfWork


def bind_repositories(uow: UnitOfWork, session: Session) -> None:
    """Attach a fresh repository of every aggregate to ``uow`` for this transaction."""
