"""Qt screens and dialogs. They talk to services only, never to SQLAlchemy."""
