"""Plain read models (frozen dataclasses) that services hand to screens.

No screen ever holds a live ORM object, so none can trigger a lazy load on a closed
session.
"""
