"""Change events: "appointment 42 updated by ws-3", sent after commit.

The unit of work publishes ``ChangeEvent``s once its transaction has committed; every
open screen, on this workstation and the others, decides for itself whether an event
concerns it and refreshes what does.

Two buses:

- :class:`LocalEventBus` (no Redis): listeners are called in the publisher's thread.
- :class:`RedisEventBus`: events go out on a Redis pub/sub channel as JSON
  ``{entity, id, action, workstation, origin}``. A background thread listens and calls
  the listeners **in that thread**. The bus's own events are also delivered to its own
  listeners at once, in the publisher's thread, and skipped when Redis echoes them (by
  ``origin``): a workstation's own screens refresh even while Redis is down.

Pub/sub forgets what was sent while a subscriber was away. So after the listener
reconnects (any subscription that follows a failed or lost one), it first tells the
listeners :data:`REFRESH_ALL`: reload everything on screen. Events this workstation could
not send during an outage are kept (up to :data:`MAX_UNSENT`; beyond that, one
"refresh everything" from this workstation) and sent once Redis is back, for the other
workstations that stayed connected and would otherwise never hear of them.

Listeners must be quick and must not touch Qt widgets directly: a Qt layer re-emits the
event as a signal to reach the UI thread. A listener that raises is logged and skipped.

Pub/sub channels span all Redis databases (``/0``, ``/1``...): two clinics sharing one
Redis server must use different channels.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from redis.client import PubSub
from redis.exceptions import TimeoutError as RedisTimeoutError

from dcms_desktop.data.cache import (
    CONNECTED,
    DEFAULT_RETRY_AFTER,
    DEFAULT_TIMEOUT,
    LOCAL,
    OFFLINE,
    REDIS_FAILURES,
    Admission,
    RedisHealth,
    connect_redis,
    describe_redis_url,
    explain_redis_failure,
)

log = logging.getLogger(__name__)

DEFAULT_CHANNEL = "dcms:events"
MAX_UNSENT = 200
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class ChangeEvent:
    """``entity`` ``id`` was ``action``-ed (created, updated, deleted...) at ``workstation``."""

    entity: str
    id: str
    action: str
    workstation: str

    @property
    def is_refresh_all(self) -> bool:
        """True for "reload everything" (after a reconnect, or too many missed events)."""
        return self.entity == "*"

    def to_dict(self) -> dict[str, str]:
        return {
            "entity": self.entity,
            "id": self.id,
            "action": self.action,
            "workstation": self.workstation,
        }

    @classmethod
    def from_dict(cls, data: Any) -> ChangeEvent:
        """The event in a decoded message; ``ValueError`` if it is not one."""
        if not isinstance(data, dict):
            raise ValueError("a change event is a JSON object")
        values = {name: data.get(name) for name in ("entity", "id", "action", "workstation")}
        if not all(isinstance(value, str) for value in values.values()):
            raise ValueError("a change event needs string entity, id, action and workstation")
        return cls(**values)


REFRESH_ALL = ChangeEvent(entity="*", id="*", action="refresh", workstation="")
"""Told to listeners after a reconnect: whatever they show may be out of date."""

Listener = Callable[[ChangeEvent], None]


class EventBus(Protocol):
    def publish(self, events: Iterable[ChangeEvent]) -> None: ...

    def subscribe(self, listener: Listener) -> Callable[[], None]: ...

    def close(self) -> None: ...

    @property
    def state(self) -> str:
        """Connected / offline for Redis, local for the in-process bus."""
        ...


class _Listeners:
    """A thread-safe list of listeners, each called in isolation from the others."""

    def __init__(self) -> None:
        self._items: list[Listener] = []
        self._lock = threading.Lock()

    def add(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._items.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._items:
                    self._items.remove(listener)

        return unsubscribe

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def deliver(self, events: Iterable[ChangeEvent]) -> None:
        for event in events:
            with self._lock:
                listeners = list(self._items)
            for listener in listeners:
                try:
                    listener(event)
                except Exception:
                    log.exception("a change-event listener failed on %s", event)


class LocalEventBus:
    """In-process bus: listeners are called synchronously in the publisher's thread."""

    def __init__(self) -> None:
        self._listeners = _Listeners()

    @property
    def state(self) -> str:
        return LOCAL

    def publish(self, events: Iterable[ChangeEvent]) -> None:
        self._listeners.deliver(events)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._listeners.add(listener)

    def close(self) -> None:
        self._listeners.clear()


class RedisEventBus:
    """Change events between workstations over Redis pub/sub (see the module's notes)."""

    def __init__(
        self,
        url: str,
        *,
        channel: str = DEFAULT_CHANNEL,
        workstation: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry_after: float = DEFAULT_RETRY_AFTER,
        reconnect_max_delay: float = 2.0,
        heartbeat_seconds: float = 3.0,
    ) -> None:
        self.channel = channel
        self.workstation = workstation or socket.gethostname()
        self._url = url
        self._timeout = timeout
        self._reconnect_max_delay = reconnect_max_delay
        self._heartbeat = heartbeat_seconds
        self._label = describe_redis_url(url)
        self._origin = uuid.uuid4().hex
        self._listeners = _Listeners()
        self._publisher = connect_redis(url, timeout=timeout)
        self._health = RedisHealth(
            self._label, "Change events out", timeout=timeout, retry_after=retry_after
        )
        # Events not sent yet (Redis down), guarded with the sending by one lock so they
        # go out once and in order.
        self._send_lock = threading.Lock()
        self._unsent: list[ChangeEvent] = []
        self._unsent_overflowed = False
        # The listening thread.
        self._thread_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._listen_problem = ""
        self._closed = False

    # -- status ----------------------------------------------------------------------------
    @property
    def state(self) -> str:
        """Connected when events can go out and (once subscribed) come in; else offline."""
        listening = self._thread is None or self._listening.is_set()
        return CONNECTED if listening and self._health.state == CONNECTED else OFFLINE

    @property
    def detail(self) -> str:
        """One line for the status bar's tooltip."""
        if self._thread is not None and not self._listening.is_set():
            problem = self._listen_problem or "is being connected to"
            return f"Redis at {self._label} {problem}; changes made elsewhere will show later"
        return self._health.detail

    def wait_until_listening(self, timeout: float) -> bool:
        """Block until the listener is subscribed (for start-up and tests)."""
        return self._listening.wait(timeout)

    # -- publishing ------------------------------------------------------------------------
    def publish(self, events: Iterable[ChangeEvent]) -> None:
        """Tell this workstation's listeners now, and the others through Redis.

        Never raises: the transaction has committed already. With Redis down the events
        wait (within the time budget of one call) for Redis to come back.
        """
        events = list(events)
        if not events:
            return
        self._listeners.deliver(events)
        if self._closed:
            return
        with self._send_lock:
            self._queue(events)
            admission = self._health.admit()
            if admission is not Admission.SKIP:
                self._send_unsent(admission)

    def _queue(self, events: list[ChangeEvent]) -> None:
        if self._unsent_overflowed:
            return
        self._unsent.extend(events)
        if len(self._unsent) > MAX_UNSENT:
            self._unsent.clear()
            self._unsent_overflowed = True

    def _send_unsent(self, admission: Admission) -> None:
        """Publish what is queued, in one round trip (the caller holds the send lock)."""
        if self._unsent_overflowed:
            refresh = ChangeEvent("*", "*", "refresh", self.workstation)
            batch = [refresh]
        else:
            batch = list(self._unsent)
        try:
            if batch:
                pipeline = self._publisher.pipeline(transaction=False)
                for event in batch:
                    pipeline.publish(self.channel, self._encode(event))
                pipeline.execute()
            else:
                self._publisher.ping()  # nothing waited: only find out whether it's back
        except REDIS_FAILURES as exc:
            self._health.failed(exc, admission)
            return
        self._unsent.clear()
        self._unsent_overflowed = False
        if admission is Admission.PROBE:
            self._health.recovered()

    def _send_after_reconnect(self) -> None:
        """Redis answers the listener again: send what waited, without the back-off."""
        with self._send_lock:
            waiting = self._unsent or self._unsent_overflowed
            if not waiting and self._health.state == CONNECTED:
                return
            self._health.probe_again_now()
            admission = self._health.admit()
            if admission is not Admission.SKIP:
                self._send_unsent(admission)

    def _encode(self, event: ChangeEvent) -> str:
        return json.dumps({**event.to_dict(), "origin": self._origin})

    # -- listening -------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every event (in the listening thread for other
        workstations' events); returns the function that unsubscribes it."""
        unsubscribe = self._listeners.add(listener)
        with self._thread_lock:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._listen, name="dcms-change-events", daemon=True
                )
                self._thread.start()
        return unsubscribe

    def close(self) -> None:
        """Stop listening (within a second) and forget the listeners."""
        self._closed = True
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)
        self._listeners.clear()
        self._publisher.close()

    def _listen(self) -> None:
        client = connect_redis(self._url, timeout=self._timeout, health_check_interval=0)
        missed = False  # whether events may have been lost since the last subscription
        delay = 0.1
        try:
            while not self._stop.is_set():
                pubsub = client.pubsub()
                try:
                    self._subscribe(pubsub)
                    self._listening.set()
                    if missed:
                        log.info("Change events in: Redis at %s is back", self._label)
                        self._listeners.deliver([REFRESH_ALL])
                        self._send_after_reconnect()
                    missed, delay = False, 0.1
                    self._pump(pubsub)
                except Exception as exc:  # Redis failures, and any surprise: keep listening
                    self._listening.clear()
                    self._listen_problem = explain_redis_failure(exc, self._timeout)
                    if not isinstance(exc, REDIS_FAILURES):
                        log.exception("Change events in: unexpected failure; reconnecting")
                    elif not missed:
                        log.warning(
                            "Change events in: Redis at %s %s; reconnecting",
                            self._label,
                            self._listen_problem,
                        )
                    missed = True
                finally:
                    _close_quietly(pubsub)
                if self._stop.wait(delay):
                    break
                delay = min(delay * 2, self._reconnect_max_delay)
        finally:
            self._listening.clear()
            client.close()

    def _subscribe(self, pubsub: PubSub) -> None:
        pubsub.subscribe(self.channel)
        deadline = time.monotonic() + max(1.0, 4 * self._timeout)
        while time.monotonic() < deadline and not self._stop.is_set():
            message = pubsub.get_message(timeout=POLL_SECONDS)
            if message is not None and message["type"] == "subscribe":
                return
        if not self._stop.is_set():
            raise RedisTimeoutError("no confirmation of the subscription")

    def _pump(self, pubsub: PubSub) -> None:
        """Deliver messages until stopped; raise when the connection is lost.

        A dead peer usually shows as a closed socket, but a network cut can leave the
        socket open and silent: a PING every ``heartbeat`` seconds, unanswered for two,
        counts as a lost connection.
        """
        last_heard = time.monotonic()
        next_ping = last_heard + self._heartbeat
        while not self._stop.is_set():
            message = pubsub.get_message(timeout=POLL_SECONDS)
            now = time.monotonic()
            if message is not None:
                last_heard = now
                if message["type"] == "message":
                    self._receive(message["data"])
            if now >= next_ping:
                pubsub.ping()
                next_ping = now + self._heartbeat
            if now - last_heard > 2 * self._heartbeat:
                raise RedisTimeoutError("no answer to the heartbeat")

    def _receive(self, data: bytes | str) -> None:
        try:
            message = json.loads(data)
            event = ChangeEvent.from_dict(message)
        except ValueError:
            log.warning("Change events in: ignored a malformed message on %s", self.channel)
            return
        if message.get("origin") == self._origin:
            return  # our own, delivered when it was published
        self._listeners.deliver([event])


def _close_quietly(pubsub: PubSub) -> None:
    try:
        pubsub.close()
    except REDIS_FAILURES:
        log.debug("closing a broken pub/sub connection failed", exc_info=True)


def build_bus(redis_url: str | None, workstation: str) -> EventBus:
    """The bus the settings ask for: Redis pub/sub for a URL, in-process without one."""
    if not redis_url:
        return LocalEventBus()
    return RedisEventBus(redis_url, workstation=workstation)


__all__ = [
    "DEFAULT_CHANNEL",
    "REFRESH_ALL",
    "ChangeEvent",
    "EventBus",
    "Listener",
    "LocalEventBus",
    "RedisEventBus",
    "build_bus",
]
