"""Change events: the in-process bus, Redis pub/sub between processes, outages, and the
unit of work's promise that the cache and the bus only hear of committed changes."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from dcms_desktop.data import cache_keys
from dcms_desktop.data.cache import MemoryCache, RedisCache
from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import (
    REFRESH_ALL,
    ChangeEvent,
    LocalEventBus,
    RedisEventBus,
    build_bus,
)
from dcms_desktop.data.models import Service
from dcms_desktop.data.uow import UnitOfWork
from tests.data.redis_servers import RedisServers, free_port

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 0.3
QUICK = 0.2


class Inbox:
    """A listener that remembers what it got, and lets a test wait for it."""

    def __init__(self) -> None:
        self.events: list[ChangeEvent] = []
        self.threads: list[str] = []
        self.observers: list[Callable[[ChangeEvent], None]] = []
        self._arrived = threading.Condition()

    def __call__(self, event: ChangeEvent) -> None:
        for observe in self.observers:
            observe(event)
        with self._arrived:
            self.events.append(event)
            self.threads.append(threading.current_thread().name)
            self._arrived.notify_all()

    def wait_for(self, condition: Callable[[list[ChangeEvent]], bool], within: float) -> bool:
        with self._arrived:
            return self._arrived.wait_for(lambda: condition(self.events), timeout=within)


def event(n: int = 1, action: str = "updated", workstation: str = "ws-1") -> ChangeEvent:
    return ChangeEvent(entity="appointment", id=str(n), action=action, workstation=workstation)


@pytest.fixture
def channel() -> str:
    """A channel of the test's own: pub/sub is server-wide, other runs share the server."""
    return f"dcms:test-events:{uuid.uuid4().hex}"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[RedisServers]:
    with RedisServers(tmp_path) as started:
        yield started


@pytest.fixture
def buses() -> Iterator[Callable[..., RedisEventBus]]:
    """``buses(url, **options)`` makes a RedisEventBus that is closed after the test."""
    made: list[RedisEventBus] = []

    def make(url: str, **options: object) -> RedisEventBus:
        bus = RedisEventBus(url, **options)  # type: ignore[arg-type]
        made.append(bus)
        return bus

    yield make
    for bus in made:
        bus.close()


# -- the event itself and the in-process bus ---------------------------------------------
def test_an_event_reads_back_from_its_message_and_junk_is_refused() -> None:
    original = event(42, "cancelled", "ws-3")
    assert ChangeEvent.from_dict(json.loads(json.dumps(original.to_dict()))) == original
    assert REFRESH_ALL.is_refresh_all and not original.is_refresh_all
    for junk in (
        [1, 2],
        {"entity": "x"},
        {"entity": 1, "id": "1", "action": "a", "workstation": ""},
    ):
        with pytest.raises(ValueError):
            ChangeEvent.from_dict(junk)


def test_local_bus_delivers_in_order_and_unsubscribe_stops_delivery() -> None:
    bus = LocalEventBus()
    first, second = Inbox(), Inbox()
    unsubscribe_first = bus.subscribe(first)
    bus.subscribe(second)

    bus.publish([event(1), event(2)])
    unsubscribe_first()
    unsubscribe_first()  # twice is harmless
    bus.publish([event(3)])

    assert first.events == [event(1), event(2)]
    assert second.events == [event(1), event(2), event(3)]
    assert bus.state == "local"
    bus.close()
    bus.publish([event(4)])
    assert len(second.events) == 3


def test_a_failing_listener_is_logged_and_the_others_still_hear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = LocalEventBus()
    inbox = Inbox()

    def broken(_: ChangeEvent) -> None:
        raise RuntimeError("screen went away")

    bus.subscribe(broken)
    bus.subscribe(inbox)
    bus.publish([event(1)])  # does not raise: the transaction has committed already
    assert inbox.events == [event(1)]
    assert "listener failed" in caplog.text


def test_build_bus_is_in_process_without_a_url(redis_url: str) -> None:
    assert isinstance(build_bus(None, "ws-1"), LocalEventBus)
    bus = build_bus(redis_url, "ws-1")
    assert isinstance(bus, RedisEventBus) and bus.workstation == "ws-1"
    bus.close()


# -- Redis pub/sub --------------------------------------------------------------------------
SECOND_WORKSTATION = """
import json, sys, threading, time
from dcms_desktop.data.events import RedisEventBus

bus = RedisEventBus(sys.argv[1], channel=sys.argv[2], workstation="ws-2")
got = []
arrived = threading.Event()
def listener(event):
    got.append((time.time(), event))
    arrived.set()
bus.subscribe(listener)
assert bus.wait_until_listening(5), "not subscribed"
print("ready", flush=True)
assert arrived.wait(5), "no event"
at, event = got[0]
print(json.dumps({"at": at, "event": event.to_dict()}), flush=True)
bus.close()
"""


def test_a_second_process_sees_the_first_ones_event_within_a_second(
    redis_url: str, channel: str, buses: Callable[..., RedisEventBus]
) -> None:
    other = subprocess.Popen(
        [sys.executable, "-c", SECOND_WORKSTATION, redis_url, channel],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "ready"
        bus = buses(redis_url, channel=channel, workstation="ws-1")
        sent_at = time.time()
        bus.publish([event(42, "confirmed", "ws-1")])
        received = json.loads(other.stdout.readline())
        seen_after = time.time() - sent_at
    finally:
        other.wait(timeout=5)

    assert received["event"] == event(42, "confirmed", "ws-1").to_dict()
    latency = received["at"] - sent_at
    assert 0 <= latency < 1.0, f"the other workstation heard after {latency:.3f} s"
    assert seen_after < 1.0


def test_own_events_reach_own_listeners_once_at_once(
    redis_url: str, channel: str, buses: Callable[..., RedisEventBus]
) -> None:
    bus = buses(redis_url, channel=channel, workstation="ws-1")
    other = buses(redis_url, channel=channel, workstation="ws-2")
    mine, theirs = Inbox(), Inbox()
    bus.subscribe(mine)
    other.subscribe(theirs)
    assert bus.wait_until_listening(2) and other.wait_until_listening(2)

    bus.publish([event(1), event(2)])
    assert mine.events == [event(1), event(2)]  # synchronously, in the publisher's thread
    assert theirs.wait_for(lambda got: len(got) == 2, within=1)
    assert theirs.events == [event(1), event(2)]
    assert set(theirs.threads) == {"dcms-change-events"}
    time.sleep(0.1)
    assert mine.events == [event(1), event(2)]  # Redis's echo is not delivered again
    assert bus.state == "connected"


def test_a_failing_listener_does_not_stop_the_listening_thread(
    redis_url: str, channel: str, buses: Callable[..., RedisEventBus]
) -> None:
    sender = buses(redis_url, channel=channel)
    receiver = buses(redis_url, channel=channel)
    inbox = Inbox()
    receiver.subscribe(lambda _: 1 / 0)
    receiver.subscribe(inbox)
    assert receiver.wait_until_listening(2)

    sender.publish([event(1)])
    sender.publish([event(2)])
    assert inbox.wait_for(lambda got: len(got) == 2, within=1)


def test_a_malformed_message_is_ignored(
    redis_url: str, channel: str, buses: Callable[..., RedisEventBus]
) -> None:
    receiver = buses(redis_url, channel=channel)
    inbox = Inbox()
    receiver.subscribe(inbox)
    assert receiver.wait_until_listening(2)
    raw = redis.Redis.from_url(redis_url)
    raw.publish(channel, b"not json")
    raw.publish(channel, json.dumps({"entity": "x"}))
    raw.publish(channel, json.dumps(event(3).to_dict()))
    raw.close()
    assert inbox.wait_for(lambda got: len(got) == 1, within=1)
    assert inbox.events == [event(3)]


def test_publishing_with_redis_down_returns_fast_and_still_tells_this_workstation(
    buses: Callable[..., RedisEventBus], caplog: pytest.LogCaptureFixture
) -> None:
    bus = buses(f"redis://127.0.0.1:{free_port()}/0", workstation="ws-1")
    mine = Inbox()
    bus.subscribe(mine)
    for n in range(3):
        started = time.perf_counter()
        bus.publish([event(n)])
        assert time.perf_counter() - started < BUDGET
    assert mine.events == [event(0), event(1), event(2)]
    assert bus.state == "offline"
    out = [r for r in caplog.records if r.name == "dcms_desktop.data.events"]
    assert sum(r.levelno == logging.WARNING for r in out) <= 2  # out and in, once each
    assert all(r.exc_info is None for r in out)


def test_close_stops_the_listening_thread_within_a_second_even_while_reconnecting(
    redis_url: str, channel: str
) -> None:
    for url in (redis_url, f"redis://127.0.0.1:{free_port()}/0"):
        bus = RedisEventBus(url, channel=channel)
        bus.subscribe(Inbox())
        time.sleep(0.3)
        thread = bus._thread
        assert thread is not None and thread.is_alive()
        started = time.perf_counter()
        bus.close()
        assert time.perf_counter() - started < 1.0
        assert not thread.is_alive()


# -- reconnecting ---------------------------------------------------------------------------
def test_after_a_reconnect_a_subscriber_is_told_to_refresh_everything(
    servers: RedisServers, channel: str, buses: Callable[..., RedisEventBus]
) -> None:
    server = servers.start()
    receiver = buses(server.url, channel=channel, workstation="ws-2")
    inbox = Inbox()
    receiver.subscribe(inbox)
    assert receiver.wait_until_listening(2)
    assert inbox.events == []  # the first connection is no reason to refresh

    server.kill()
    deadline = time.monotonic() + 1
    while receiver.state == "connected" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert receiver.state == "offline"
    server.start()

    assert inbox.wait_for(lambda got: REFRESH_ALL in got, within=3)
    assert receiver.state == "connected"
    sender = buses(server.url, channel=channel, workstation="ws-1")
    sender.publish([event(7)])
    assert inbox.wait_for(lambda got: event(7) in got, within=1)


def test_a_subscriber_that_started_while_redis_was_down_refreshes_once_it_connects(
    servers: RedisServers, channel: str, buses: Callable[..., RedisEventBus]
) -> None:
    port = free_port()
    receiver = buses(f"redis://127.0.0.1:{port}/0", channel=channel)
    inbox = Inbox()
    receiver.subscribe(inbox)
    assert not receiver.wait_until_listening(0.3)
    assert receiver.state == "offline" and "unreachable" in receiver.detail

    servers.start(port=port)
    assert inbox.wait_for(lambda got: got == [REFRESH_ALL], within=3)
    assert receiver.state == "connected"


def test_a_silent_connection_is_noticed_by_the_heartbeat_and_ends_in_a_refresh(
    servers: RedisServers, channel: str, buses: Callable[..., RedisEventBus]
) -> None:
    server = servers.start()
    receiver = buses(server.url, channel=channel, heartbeat_seconds=0.2)
    inbox = Inbox()
    receiver.subscribe(inbox)
    assert receiver.wait_until_listening(2)

    server.pause()  # the socket stays open; nothing answers
    time.sleep(0.7)
    assert receiver.state == "offline"
    server.resume()
    assert inbox.wait_for(lambda got: REFRESH_ALL in got, within=3)


def test_events_that_could_not_go_out_reach_the_others_when_redis_is_back(
    servers: RedisServers, channel: str, buses: Callable[..., RedisEventBus]
) -> None:
    server = servers.start()
    sender = buses(server.url, channel=channel, workstation="ws-1", retry_after=QUICK)
    receiver = buses(server.url, channel=channel, workstation="ws-2")
    inbox = Inbox()
    receiver.subscribe(inbox)
    assert receiver.wait_until_listening(2)

    server.pause()
    sender.publish([event(1)])  # times out: kept for later
    sender.publish([event(2)])  # skipped by the breaker: kept for later
    assert sender.state == "offline"
    server.resume()
    time.sleep(QUICK)
    sender.publish([event(3)])  # Redis answers again: all three go out, in order

    assert inbox.wait_for(lambda got: event(3) in got, within=1)
    assert [e for e in inbox.events if e != event(1)][-2:] == [event(2), event(3)]
    assert event(1) in inbox.events
    assert sender.state == "connected"


# -- the unit of work: only committed changes are heard of -----------------------------------
@pytest.fixture(params=["local", "redis"])
def side_effects(
    request: pytest.FixtureRequest,
    database: Database,
    memory_cache: MemoryCache,
    local_bus: LocalEventBus,
    uow_factory: Callable[..., UnitOfWork],
    channel: str,
    buses: Callable[..., RedisEventBus],
) -> Iterator[tuple[Callable[[], UnitOfWork], MemoryCache | RedisCache, Inbox]]:
    """A unit-of-work factory, its cache, and what another workstation hears."""
    inbox = Inbox()
    if request.param == "local":
        local_bus.subscribe(inbox)
        yield uow_factory, memory_cache, inbox
        return
    url = request.getfixturevalue("redis_url")
    cache = RedisCache(url)
    bus = buses(url, channel=channel, workstation="test-ws")
    elsewhere = buses(url, channel=channel, workstation="ws-2")
    elsewhere.subscribe(inbox)
    assert elsewhere.wait_until_listening(2)
    yield (lambda: UnitOfWork(database, cache, bus, "test-ws", write=True)), cache, inbox
    cache.close()


def add_service(uow: UnitOfWork) -> uuid.UUID:
    service = Service(name="Scaling", category="Hygiene", price=Decimal("80.00"), duration=30)
    uow.session.add(service)
    uow.flush()
    return service.id


def test_a_rolled_back_unit_of_work_drops_nothing_and_announces_nothing(
    side_effects: tuple[Callable[[], UnitOfWork], MemoryCache | RedisCache, Inbox],
) -> None:
    make_uow, cache, inbox = side_effects
    key = cache_keys.service("s-1")
    cache.set_json(key, {"name": "Scaling"})

    with pytest.raises(RuntimeError, match="printer on fire"), make_uow() as uow:
        service_id = add_service(uow)
        uow.drop_cache(key)
        uow.announce("service", service_id, "created")
        raise RuntimeError("printer on fire")

    time.sleep(0.2)  # long enough for an event to have crossed Redis
    assert cache.get_json(key) == {"name": "Scaling"}
    assert inbox.events == []


def test_a_committed_unit_of_work_drops_then_announces_after_the_commit(
    side_effects: tuple[Callable[[], UnitOfWork], MemoryCache | RedisCache, Inbox],
    database: Database,
) -> None:
    make_uow, cache, inbox = side_effects
    key = cache_keys.service("s-1")
    cache.set_json(key, {"name": "Scaling"})
    seen: list[tuple[bool, object]] = []

    def observer(change: ChangeEvent) -> None:
        # What a screen elsewhere does on hearing, as it hears: read the row, and the cache.
        with database.read_sessions() as session:
            row = session.scalar(select(Service).where(Service.id == uuid.UUID(change.id)))
        seen.append((row is not None, cache.get_json(key)))

    inbox.observers.append(observer)
    with make_uow() as uow:
        service_id = add_service(uow)
        uow.drop_cache(key)
        uow.announce("service", service_id, "created")
        uow.commit()
        assert inbox.events == [] and cache.get_json(key) is not None  # not before the end

    assert inbox.wait_for(lambda got: len(got) == 1, within=1)
    assert inbox.events == [ChangeEvent("service", str(service_id), "created", "test-ws")]
    assert seen == [(True, None)]  # the row was there and the old entry gone, as it heard
