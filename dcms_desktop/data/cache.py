"""Cache: Redis when configured, an in-process dictionary otherwise.

Redis is a cache here, never a store: every value can be rebuilt from the database, so
when Redis is down the cache simply misses. The promises, for a configured Redis:

- **Every call gives up within ``timeout`` (300 ms).** redis-py waits 5 s per socket
  operation and retries three times with back-off by default; here the connect and read
  timeouts are half the budget each and there are no retries. After a failure a circuit
  breaker skips Redis entirely for ``retry_after`` seconds, so an outage costs nothing
  per call; the first call after that probes Redis again, so the cache comes back by
  itself. (Host names are resolved by the OS outside these timeouts: give an address, or
  a name the local resolver answers at once.)
- **A stale entry does not outlive an outage.** A ``delete`` that fails while Redis is
  unreachable leaves the old entry in Redis, and a Redis restarted from a snapshot brings
  back entries dropped since. So after any outage, before the cache is used again, every
  ``dcms:*`` key is dropped (``SCAN`` + ``UNLINK``, in steps that each fit the time
  budget). Entries also expire after ``default_ttl_seconds`` (an hour), which bounds the
  one case no workstation can see: a workstation that missed a delete and quit before
  Redis came back.
- **Nothing is raised.** Failures are logged once per outage (not per call) and show in
  :attr:`RedisCache.state` ("connected" / "offline") for the status bar. With no traffic
  nothing probes: a status bar that wants to see Redis come back calls
  :meth:`RedisCache.check` now and then (off the UI thread; it costs one PING at most).

A cache never holds a password hash (ARCHITECTURE.md): :func:`refuse_credentials` turns
such a value away, on both caches.

**Filling after a miss can't put an old value back.** A reader misses, reads the database,
and stores what it read; if another workstation commits a change and deletes the key in
between, a plain set would store the value from before the change for its whole lifetime.
So a miss is filled in two steps: ``token = cache.fill_token(key)`` before the read, then
``cache.fill_json(key, value, token)``, which stores nothing if the key was deleted since
(every delete moves the key's generation on).
"""

from __future__ import annotations

import enum
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, fields, is_dataclass
from datetime import date, datetime
from datetime import time as time_of_day
from decimal import Decimal
from typing import Any, Protocol, TypeVar
from uuid import UUID

import redis
from redis.backoff import NoBackoff
from redis.connection import ConnectionPool, parse_url
from redis.exceptions import AuthenticationError, NoPermissionError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from dcms_desktop.data import cache_keys

log = logging.getLogger(__name__)

CONNECTED = "connected"
OFFLINE = "offline"
LOCAL = "local"

DEFAULT_TIMEOUT = 0.3
DEFAULT_RETRY_AFTER = 1.0
DEFAULT_TTL_SECONDS = 3600
FORBIDDEN_KEY = "password_hash"

REDIS_FAILURES: tuple[type[BaseException], ...] = (RedisError, OSError)
"""What a Redis call can raise when Redis is down, hung, or refuses us."""

T = TypeVar("T")


class Cache(Protocol):
    """What the repositories and the unit of work need of a cache."""

    def get_json(self, key: str) -> Any | None: ...

    def set_json(self, key: str, value: Any, ttl_seconds: int | None = None) -> None: ...

    def delete(self, *keys: str) -> None: ...

    def fill_token(self, key: str) -> str | None:
        """Take before reading the database after a miss (see the module's docstring)."""
        ...

    def fill_json(
        self, key: str, value: Any, token: str | None, ttl_seconds: int | None = None
    ) -> None:
        """Store ``value`` unless ``key`` was deleted since ``token`` was taken."""
        ...

    @property
    def state(self) -> str:
        """Connected / offline for Redis, local for the in-process cache."""
        ...


# -- values -------------------------------------------------------------------------------
def refuse_credentials(value: Any, key: str) -> None:
    """Raise ``ValueError`` if ``value`` holds a ``password_hash`` anywhere inside."""
    if isinstance(value, Mapping):
        for name, inner in value.items():
            if str(name).lower() == FORBIDDEN_KEY:
                raise ValueError(f"refusing to cache a password hash under {key!r}")
            refuse_credentials(inner, key)
    elif isinstance(value, list | tuple | set | frozenset):
        for inner in value:
            refuse_credentials(inner, key)
    elif is_dataclass(value) and not isinstance(value, type):
        for field in fields(value):
            if field.name.lower() == FORBIDDEN_KEY:
                raise ValueError(f"refusing to cache a password hash under {key!r}")
            refuse_credentials(getattr(value, field.name), key)


def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date | time_of_day):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(f"cannot cache a {type(value).__name__}: cache plain data")


def encode(key: str, value: Any) -> str:
    """``value`` as JSON, after making sure it holds no password hash."""
    refuse_credentials(value, key)
    return json.dumps(value, default=_json_default, separators=(",", ":"))


def _checked_ttl(ttl_seconds: int | None, default: int | None) -> int | None:
    ttl = default if ttl_seconds is None else ttl_seconds
    if ttl is not None and ttl <= 0:
        raise ValueError(f"a cache entry must live a positive number of seconds, not {ttl}")
    return ttl


# -- in-process cache -----------------------------------------------------------------------
class MemoryCache:
    """A process-local cache for a single workstation without Redis."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._data: dict[str, tuple[float | None, str]] = {}
        self._generations: dict[str, int] = {}
        self._lock = threading.Lock()
        self._clock = clock

    @property
    def state(self) -> str:
        return LOCAL

    def get_json(self, key: str) -> Any | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return None
            expires_at, raw = entry
            if expires_at is not None and self._clock() >= expires_at:
                del self._data[key]
                return None
        return json.loads(raw)

    def set_json(self, key: str, value: Any, ttl_seconds: int | None = None) -> None:
        raw = encode(key, value)
        ttl = _checked_ttl(ttl_seconds, None)
        expires_at = None if ttl is None else self._clock() + ttl
        with self._lock:
            self._data[key] = (expires_at, raw)

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)
                self._generations[key] = self._generations.get(key, 0) + 1

    def fill_token(self, key: str) -> str | None:
        with self._lock:
            return str(self._generations.get(key, 0))

    def fill_json(
        self, key: str, value: Any, token: str | None, ttl_seconds: int | None = None
    ) -> None:
        raw = encode(key, value)
        ttl = _checked_ttl(ttl_seconds, None)
        expires_at = None if ttl is None else self._clock() + ttl
        with self._lock:
            if token is not None and token == str(self._generations.get(key, 0)):
                self._data[key] = (expires_at, raw)

    def close(self) -> None:
        with self._lock:
            self._data.clear()
            self._generations.clear()


# -- Redis plumbing shared with the event bus -----------------------------------------------
def _parse_redis_url(url: str) -> dict[str, Any]:
    try:
        return dict(parse_url(url))
    except ValueError:
        # redis-py's message is fine, but never echo the URL: it may hold a password.
        raise ValueError(
            "the Redis URL must look like redis://[user:password@]host:port/db (rediss:// for TLS)"
        ) from None


def describe_redis_url(url: str) -> str:
    """``url`` without credentials or options, fit for a log line or the status bar."""
    options = _parse_redis_url(url)
    if "path" in options:
        return f"unix://{options['path']}"
    scheme = "rediss" if url.startswith("rediss://") else "redis"
    host = options.get("host", "localhost")
    port = options.get("port", 6379)
    return f"{scheme}://{host}:{port}/{options.get('db', 0)}"


def connect_redis(url: str, *, timeout: float, health_check_interval: int = 10) -> redis.Redis:
    """A client that gives up within ``timeout`` seconds and never retries.

    Options in the URL's query string (``?ssl_ca_certs=...``) are honoured, except the
    timeouts and the retry policy, which are ours: they are the 300 ms promise.
    ``ValueError`` for a URL that is not ``redis://``, ``rediss://`` or ``unix://``.
    """
    options = _parse_redis_url(url)
    options.update(
        socket_connect_timeout=timeout / 2,
        socket_timeout=timeout / 2,
        retry=Retry(NoBackoff(), 0),
        retry_on_error=[],
        health_check_interval=health_check_interval,
    )
    return redis.Redis(connection_pool=ConnectionPool(**options))


def explain_redis_failure(exc: BaseException, timeout: float) -> str:
    """What went wrong, in words for the status bar (never the password)."""
    if isinstance(exc, AuthenticationError):
        return "refused the user name or password in the Redis URL"
    if isinstance(exc, NoPermissionError):
        return "refused a command to this Redis user (check its ACL)"
    if isinstance(exc, RedisTimeoutError | TimeoutError):
        return f"did not answer within {timeout * 1000:.0f} ms"
    text = str(exc).strip().rstrip(".") or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return (
            "presented a certificate this workstation does not trust "
            "(name the clinic's CA file in the URL: ?ssl_ca_certs=...)"
        )
    if len(text) > 160:
        text = text[:157] + "..."
    return f"is unreachable ({text})"


class Admission(enum.Enum):
    """What the circuit breaker says about the next Redis call."""

    GO = "go"  # Redis is up: call it
    PROBE = "probe"  # Redis was down and the back-off is over: this call tries it
    SKIP = "skip"  # Redis is down: don't even try


class RedisHealth:
    """A circuit breaker over one Redis connection, logging once per outage.

    Optimistic until the first failure. After a failure, calls are skipped until
    ``retry_after`` seconds have passed; then exactly one call at a time probes.
    """

    def __init__(
        self,
        label: str,
        what: str,
        *,
        timeout: float,
        retry_after: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.what = what
        self._timeout = timeout
        self._retry_after = retry_after
        self._clock = clock
        self._lock = threading.Lock()
        self._online = True
        self._probing = False
        self._retry_at = 0.0
        self._problem = ""

    @property
    def state(self) -> str:
        return CONNECTED if self._online else OFFLINE

    @property
    def detail(self) -> str:
        if self._online:
            return f"Redis at {self.label}: connected"
        return f"Redis at {self.label} {self._problem}; working without it"

    def admit(self) -> Admission:
        with self._lock:
            if self._online:
                return Admission.GO
            if self._probing or self._clock() < self._retry_at:
                return Admission.SKIP
            self._probing = True
            return Admission.PROBE

    def failed(self, exc: BaseException, admission: Admission) -> bool:
        """Record a failure; True when it begins an outage (logged as a warning)."""
        problem = explain_redis_failure(exc, self._timeout)
        with self._lock:
            began = self._online
            if admission is Admission.PROBE:
                self._probing = False
            self._online = False
            self._retry_at = self._clock() + self._retry_after
            self._problem = problem
        if began:
            log.warning("%s: Redis at %s %s; working without it", self.what, self.label, problem)
        else:
            log.debug("%s: Redis at %s still unavailable: %s", self.what, self.label, problem)
        return began

    def recovered(self) -> None:
        """The probe succeeded: Redis is back."""
        with self._lock:
            self._online = True
            self._probing = False
            self._problem = ""
        log.info("%s: Redis at %s is back", self.what, self.label)

    def probe_again_now(self) -> None:
        """The probe made progress but is not done: let the next call go on with it."""
        with self._lock:
            self._probing = False
            self._retry_at = self._clock()


# -- Redis cache -----------------------------------------------------------------------------
GENERATION_TTL_SECONDS = 2 * DEFAULT_TTL_SECONDS
"""How long a key's generation is kept after its last delete (far longer than a read)."""

_FILL_SCRIPT = """
local generation = redis.call('GET', KEYS[2]) or '0'
if generation ~= ARGV[1] then return 0 end
if tonumber(ARGV[3]) > 0 then
    redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
else
    redis.call('SET', KEYS[1], ARGV[2])
end
return 1
"""
"""Store the value only while the key's generation is the one taken before the read."""


def _generation_key(key: str) -> str:
    """``{dcms:inventory:7}#generation``: the braces put it in the key's own hash slot
    (Redis Cluster runs the fill script only on keys of one slot), and outside ``dcms:*``,
    so the clean-up after an outage leaves the generations alone."""
    return f"{{{key}}}#generation"


class RedisCache:
    """The shared cache of all workstations, degrading to "always miss" when Redis is down."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retry_after: float = DEFAULT_RETRY_AFTER,
        default_ttl_seconds: int | None = DEFAULT_TTL_SECONDS,
        health_check_interval: int = 10,
    ) -> None:
        self._client = connect_redis(
            url, timeout=timeout, health_check_interval=health_check_interval
        )
        self._timeout = timeout
        self._default_ttl = default_ttl_seconds
        self._health = RedisHealth(
            describe_redis_url(url), "Cache", timeout=timeout, retry_after=retry_after
        )
        self._fill_script = self._client.register_script(_FILL_SCRIPT)
        # After an outage, entries may be stale until dcms:* has been dropped; only the
        # probing call touches these two, the breaker admits one probe at a time.
        self._stale = False
        self._scan_cursor = 0

    @property
    def state(self) -> str:
        """Connected or offline (Redis configured but not usable right now)."""
        return self._health.state

    @property
    def detail(self) -> str:
        """One line for the status bar's tooltip."""
        return self._health.detail

    def get_json(self, key: str) -> Any | None:
        raw = self._call(lambda client: client.get(key))
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            log.warning("Cache: entry %s is not JSON; treated as a miss", key)
            return None

    def set_json(self, key: str, value: Any, ttl_seconds: int | None = None) -> None:
        raw = encode(key, value)
        ttl = _checked_ttl(ttl_seconds, self._default_ttl)
        self._call(lambda client: client.set(key, raw, ex=ttl))

    def delete(self, *keys: str) -> None:
        if not keys:
            return

        def drop(client: redis.Redis) -> None:
            pipe = client.pipeline(transaction=False)
            # The generations first: a fill landing between the two steps is then refused
            # (had the value gone first, a fill read before the change could land after).
            for key in keys:
                pipe.incr(_generation_key(key))
                pipe.expire(_generation_key(key), GENERATION_TTL_SECONDS)
            pipe.unlink(*keys)
            pipe.execute()

        self._call(drop)

    def fill_token(self, key: str) -> str | None:
        raw = self._call(lambda client: client.get(_generation_key(key)))
        if raw is None:
            return None if self._health.state == OFFLINE else "0"
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    def fill_json(
        self, key: str, value: Any, token: str | None, ttl_seconds: int | None = None
    ) -> None:
        if token is None:
            return
        raw = encode(key, value)
        ttl = _checked_ttl(ttl_seconds, self._default_ttl) or 0
        self._call(
            lambda client: self._fill_script(
                keys=[key, _generation_key(key)], args=[token, raw, ttl], client=client
            )
        )

    def check(self) -> str:
        """Ping Redis (unless the breaker says it is down) and return the state."""
        self._call(lambda client: client.ping())
        return self.state

    def close(self) -> None:
        self._client.close()

    # -- the breaker around every call ----------------------------------------------------
    def _call(self, operation: Callable[[redis.Redis], T]) -> T | None:
        admission = self._health.admit()
        if admission is Admission.SKIP:
            return None
        try:
            stale = admission is Admission.PROBE and self._stale
            if stale and not self._drop_stale_entries():
                self._health.probe_again_now()
                return None
            result = operation(self._client)
        except REDIS_FAILURES as exc:
            self._health.failed(exc, admission)
            # Deletes may have been lost, and a restarted Redis may have reloaded old
            # entries: drop dcms:* before the next use (from the start, the server may be
            # a new one).
            self._stale = True
            self._scan_cursor = 0
            return None
        if admission is Admission.PROBE:
            self._health.recovered()
        return result

    def _drop_stale_entries(self) -> bool:
        """Drop ``dcms:*`` for a third of the time budget; True once all are gone.

        The SCAN cursor is kept between calls, so a big cache is cleared over a few calls
        without any call overrunning its budget; none of them is served from Redis
        meanwhile.
        """
        deadline = time.monotonic() + self._timeout / 3
        while True:
            cursor, keys = self._client.scan(
                self._scan_cursor, match=cache_keys.ALL_KEYS_PATTERN, count=1000
            )
            if keys:
                self._client.unlink(*keys)
            self._scan_cursor = int(cursor)
            if self._scan_cursor == 0:
                self._stale = False
                log.info("Cache: dropped the entries that may have gone stale during the outage")
                return True
            if time.monotonic() >= deadline:
                return False


def build_cache(redis_url: str | None) -> Cache:
    """The cache the settings ask for: Redis for a URL, the in-process cache without one.

    A configured Redis is pinged once (within the time budget) so the status bar is right
    from the start; being down is not an error.
    """
    if not redis_url:
        return MemoryCache()
    cache = RedisCache(redis_url)
    cache.check()
    return cache
