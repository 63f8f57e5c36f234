"""Storage: SQLAlchemy models, engines, repositories, unit of work, cache and event bus."""
