"""Fixtures shared by the sign-in and user-administration tests: a known password and a
clock the test moves by hand."""

from __future__ import annotations

import pytest

from dcms_desktop.services.context import ServiceContext
from tests.factories import T0, Clock


@pytest.fixture
def clock(service_context: ServiceContext) -> Clock:
    moving = Clock(T0)
    service_context.clock = moving
    return moving
