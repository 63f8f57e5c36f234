"""Schema migrations (Alembic) run from code: ``dcms db upgrade`` and the tests use this.

(Placeholder: creates the tables from the models until the Alembic scripts land.)
"""

from __future__ import annotations

from sqlalchemy import Engine

from dcms_desktop.data.models import Base


def upgrade(engine: Engine, revision: str = "head") -> None:
    Base.metadata.create_all(engine)
