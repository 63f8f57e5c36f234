"""The cache: key patterns, both caches, and a Redis that is down, hung, or refuses us.

Outages use throw-away ``redis-server`` processes (see ``redis_servers``), never the
shared Redis.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis

from dcms_desktop.data import cache_keys
from dcms_desktop.data.cache import MemoryCache, RedisCache, build_cache
from tests.data.redis_servers import RedisServers, TlsFiles, free_port, make_tls_files

BUDGET = 0.3  # seconds a call may take when Redis is in trouble
QUICK = 0.2  # the back-off used here, so recovery shows within a test's time


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[RedisServers]:
    with RedisServers(tmp_path) as started:
        yield started


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(params=["memory", "redis"])
def any_cache(request: pytest.FixtureRequest) -> Iterator[MemoryCache | RedisCache]:
    if request.param == "memory":
        yield MemoryCache()
        return
    cache = RedisCache(request.getfixturevalue("redis_url"))
    yield cache
    cache.close()


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def wait_for(condition: Callable[[], bool], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def warnings_from_cache(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "dcms_desktop.data.cache" and r.levelno == logging.WARNING
    ]


# -- key patterns ---------------------------------------------------------------------------
def test_keys_follow_the_schema_patterns_with_emails_lower_cased() -> None:
    some_id = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert cache_keys.patient_chart(" Ana.Reyes@Example.ORG ") == (
        "dcms:patient-tooth-chart:ana.reyes@example.org"
    )
    assert cache_keys.appointment(some_id) == f"dcms:appointment:{some_id}"
    assert cache_keys.inventory(42) == "dcms:inventory:42"
    assert cache_keys.service("s-1") == "dcms:service:s-1"
    assert cache_keys.user("Dr.Who@Clinic.Test") == "dcms:user:dr.who@clinic.test"
    assert all(
        key.startswith(cache_keys.PREFIX)
        for key in (cache_keys.patient_chart("a@b"), cache_keys.user("a@b"))
    )


# -- both caches ----------------------------------------------------------------------------
def test_values_round_trip_and_delete_drops_only_the_keys_named(
    any_cache: MemoryCache | RedisCache,
) -> None:
    chart = cache_keys.patient_chart("ana@example.org")
    item = cache_keys.inventory(7)
    value = {"teeth": {"11": "caries", "46": "crown"}, "price": Decimal("12.50"), "n": [1, 2]}
    any_cache.set_json(chart, value)
    any_cache.set_json(item, {"stock": 3})

    assert any_cache.get_json(chart) == {
        "teeth": {"11": "caries", "46": "crown"},
        "price": "12.50",
        "n": [1, 2],
    }
    any_cache.delete(chart, cache_keys.service("never-cached"))
    assert any_cache.get_json(chart) is None
    assert any_cache.get_json(item) == {"stock": 3}
    any_cache.delete()  # nothing to drop is fine


def test_a_fill_after_a_miss_never_puts_back_a_value_deleted_meanwhile(
    any_cache: MemoryCache | RedisCache,
) -> None:
    key = cache_keys.inventory(uuid.uuid4())
    token = any_cache.fill_token(key)  # a reader misses and goes to the database...
    any_cache.delete(key)  # ...another workstation commits a change and drops the key...
    any_cache.fill_json(key, {"stock": 10}, token, 60)  # ...the reader's value is older
    assert any_cache.get_json(key) is None

    token = any_cache.fill_token(key)  # nobody changed it while this reader read
    any_cache.fill_json(key, {"stock": 6}, token, 60)
    assert any_cache.get_json(key) == {"stock": 6}
    any_cache.delete(key)
    any_cache.fill_json(key, {"stock": 6}, token, 60)  # the same token is spent
    assert any_cache.get_json(key) is None


@dataclass(frozen=True)
class UserRow:
    email: str
    password_hash: str


@pytest.mark.parametrize(
    "value",
    [
        {"email": "a@b", "password_hash": "$argon2id$x"},
        {"users": [{"email": "a@b", "Password_Hash": "$argon2id$x"}]},
        {"page": {"rows": ({"profile": {"password_hash": "$argon2id$x"}},)}},
        UserRow("a@b", "$argon2id$x"),
    ],
    ids=["top-level", "in-a-list", "deep", "dataclass"],
)
def test_a_password_hash_is_never_cached(any_cache: MemoryCache | RedisCache, value: Any) -> None:
    key = cache_keys.user("a@b")
    with pytest.raises(ValueError, match="password hash") as refused:
        any_cache.set_json(key, value)
    assert "$argon2id$x" not in str(refused.value)
    assert any_cache.get_json(key) is None


def test_values_that_are_not_plain_data_are_refused(any_cache: MemoryCache | RedisCache) -> None:
    with pytest.raises(TypeError, match="plain data"):
        any_cache.set_json(cache_keys.service(1), {"row": object()})


def test_memory_cache_entries_expire_after_their_ttl() -> None:
    now = [1000.0]
    cache = MemoryCache(clock=lambda: now[0])
    cache.set_json("dcms:service:1", {"name": "Scaling"}, ttl_seconds=60)
    cache.set_json("dcms:service:2", {"name": "Filling"})
    now[0] += 61
    assert cache.get_json("dcms:service:1") is None
    assert cache.get_json("dcms:service:2") == {"name": "Filling"}
    assert cache.state == "local"


# -- Redis, up ------------------------------------------------------------------------------
def test_redis_cache_stores_under_the_spec_key_with_a_bounded_lifetime(redis_url: str) -> None:
    cache = RedisCache(redis_url)
    key = cache_keys.appointment(uuid.uuid4())
    cache.set_json(key, {"status": "confirmed"})
    cache.set_json(cache_keys.service(1), {"name": "Scaling"}, ttl_seconds=5)

    raw = redis.Redis.from_url(redis_url)
    assert raw.get(key) == b'{"status":"confirmed"}'
    assert 0 < raw.ttl(key) <= 3600
    assert 0 < raw.ttl(cache_keys.service(1)) <= 5
    assert cache.state == "connected"
    raw.close()
    cache.close()


def test_build_cache_is_in_process_without_a_url_and_redis_with_one(redis_url: str) -> None:
    assert build_cache(None).state == "local"
    cache = build_cache(redis_url)
    assert isinstance(cache, RedisCache)
    assert cache.state == "connected"
    cache.close()


def test_a_malformed_url_is_refused_without_echoing_its_password() -> None:
    with pytest.raises(ValueError, match="redis://") as refused:
        build_cache("http://admin:s3cret-pw@cache.local:6379/0")
    assert "s3cret-pw" not in str(refused.value)


# -- Redis, down or hung --------------------------------------------------------------------
def test_with_nothing_listening_every_call_misses_fast_and_raises_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", retry_after=QUICK)
    key = cache_keys.service(1)
    for _ in range(3):
        _, set_took = timed(lambda: cache.set_json(key, {"name": "Scaling"}))
        got, get_took = timed(lambda: cache.get_json(key))
        _, delete_took = timed(lambda: cache.delete(key))
        token, token_took = timed(lambda: cache.fill_token(key))
        _, fill_took = timed(lambda: cache.fill_json(key, {"name": "Scaling"}, "0"))
        assert got is None and token is None
        assert max(set_took, get_took, delete_took, token_took, fill_took) < BUDGET
        time.sleep(QUICK)  # let the breaker probe again: still nothing there
    assert cache.state == "offline"
    assert "unreachable" in cache.detail
    assert len(warnings_from_cache(caplog)) == 1  # once per outage, not per call


def test_a_hung_redis_costs_one_timeout_within_budget_then_nothing(
    servers: RedisServers,
) -> None:
    server = servers.start()
    cache = RedisCache(server.url, retry_after=QUICK)
    key = cache_keys.inventory(1)
    cache.set_json(key, {"stock": 3})
    server.pause()

    timings = []
    for call in (
        lambda: cache.get_json(key),
        lambda: cache.set_json(key, {"stock": 2}),
        lambda: cache.delete(key),
    ):
        result, took = timed(call)
        assert result is None
        timings.append(took)
    assert max(timings) < BUDGET
    assert sum(timings) < BUDGET  # after the first timeout the breaker skips Redis
    assert cache.state == "offline"
    assert "did not answer" in cache.detail


def test_the_cache_comes_back_by_itself_when_a_killed_redis_restarts(
    servers: RedisServers,
) -> None:
    server = servers.start()
    cache = RedisCache(server.url, retry_after=QUICK)
    key = cache_keys.service(9)
    cache.set_json(key, {"name": "Scaling"})
    server.kill()

    for call in (lambda: cache.get_json(key), lambda: cache.set_json(key, {"name": "X"})):
        result, took = timed(call)
        assert result is None and took < BUDGET
    assert cache.state == "offline"

    server.start()  # same port, empty
    assert wait_for(lambda: cache.check() == "connected", within=3)
    cache.set_json(key, {"name": "Polishing"})
    assert cache.get_json(key) == {"name": "Polishing"}


def test_a_delete_missed_during_an_outage_leaves_no_stale_entry_behind(
    servers: RedisServers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dcms_desktop.data.cache")
    server = servers.start()
    admin = server.admin()
    cache = RedisCache(server.url, retry_after=QUICK)
    chart = cache_keys.patient_chart("ana@example.org")
    cache.set_json(chart, {"11": "healthy"})
    admin.set("not-ours", "kept")

    server.pause()
    cache.get_json(cache_keys.service(1))  # times out: the cache goes offline
    cache.delete(chart)  # the chart changed in the database; this drop never reaches Redis
    server.resume()
    assert admin.get(chart) is not None  # the stale entry survived the outage in Redis

    assert wait_for(lambda: cache.state == "connected" or cache.get_json(chart) is not None, 3)
    assert cache.get_json(chart) is None  # never served
    assert cache.state == "connected"
    assert admin.keys("dcms:*") == []
    assert admin.get("not-ours") == b"kept"  # only our prefix is dropped
    assert any("may have gone stale" in r.getMessage() for r in caplog.records)
    admin.close()


def test_a_large_stale_cache_is_dropped_in_steps_that_each_fit_the_budget(
    servers: RedisServers,
) -> None:
    server = servers.start()
    admin = server.admin()
    for start in range(0, 30_000, 1000):
        admin.mset({f"dcms:appointment:{n}": "{}" for n in range(start, start + 1000)})
    cache = RedisCache(server.url, retry_after=QUICK, timeout=0.06)  # ~20 ms per step

    server.pause()
    cache.delete(cache_keys.appointment(1))
    server.resume()
    time.sleep(QUICK)

    slowest, calls = 0.0, 0
    while cache.state != "connected" and calls < 200:
        result, took = timed(lambda: cache.get_json(cache_keys.appointment(2)))
        assert result is None
        slowest, calls = max(slowest, took), calls + 1
    assert cache.state == "connected"
    assert calls > 1  # the drop took several steps...
    assert slowest < BUDGET  # ...none of them over the budget
    assert admin.dbsize() == 0
    admin.close()


def test_an_outage_is_logged_once_and_each_new_outage_again(
    servers: RedisServers, caplog: pytest.LogCaptureFixture
) -> None:
    server = servers.start()
    cache = RedisCache(server.url, retry_after=QUICK)
    for _ in range(2):
        server.kill()
        for _ in range(5):
            cache.get_json(cache_keys.service(1))
        server.start()
        assert wait_for(lambda: cache.check() == "connected", within=3)
    warnings = warnings_from_cache(caplog)
    assert len(warnings) == 2
    assert all(r.exc_info is None for r in warnings)  # a line, not a traceback


# -- AUTH and TLS ---------------------------------------------------------------------------
def test_a_password_in_the_url_authenticates(servers: RedisServers) -> None:
    server = servers.start(password="s3cret/pw")  # a '/' must survive the URL
    cache = RedisCache(server.url)
    cache.set_json(cache_keys.service(1), {"name": "Scaling"})
    assert cache.get_json(cache_keys.service(1)) == {"name": "Scaling"}
    assert cache.state == "connected"


def test_an_acl_user_and_password_in_the_url_authenticate(servers: RedisServers) -> None:
    server = servers.start(password="admin-pw")
    admin = server.admin()
    admin.acl_setuser(
        "dcms", enabled=True, passwords=["+clinic-pw"], keys=["dcms:*"], commands=["+@all"]
    )
    cache = RedisCache(server.url_with(user="dcms", password="clinic-pw"))
    cache.set_json(cache_keys.user("ana@example.org"), {"role": "staff"})
    assert admin.get(cache_keys.user("ana@example.org")) == b'{"role":"staff"}'
    assert cache.state == "connected"
    admin.close()


def test_a_wrong_password_reads_as_offline_with_a_clear_line_not_a_traceback(
    servers: RedisServers, caplog: pytest.LogCaptureFixture
) -> None:
    server = servers.start(password="right-pw")
    cache = RedisCache(server.url_with(password="wrong-pw"))

    assert cache.get_json(cache_keys.service(1)) is None
    cache.set_json(cache_keys.service(1), {"name": "Scaling"})
    assert cache.state == "offline"
    assert "refused the user name or password" in cache.detail
    [warning] = warnings_from_cache(caplog)
    assert "refused the user name or password" in warning.getMessage()
    assert warning.exc_info is None
    assert "wrong-pw" not in caplog.text and "right-pw" not in caplog.text


def test_a_tls_url_works_with_the_clinic_ca(servers: RedisServers, tls_files: TlsFiles) -> None:
    server = servers.start(tls=tls_files)
    assert server.url.startswith("rediss://")
    cache = RedisCache(server.url)
    cache.set_json(cache_keys.service(1), {"name": "Scaling"})
    assert cache.get_json(cache_keys.service(1)) == {"name": "Scaling"}
    assert cache.state == "connected"


def test_a_tls_server_with_an_untrusted_certificate_is_offline_not_a_crash(
    servers: RedisServers, tls_files: TlsFiles
) -> None:
    server = servers.start(tls=tls_files)
    cache = RedisCache(server.url_with())  # rediss:// without the clinic's CA
    result, took = timed(lambda: cache.get_json(cache_keys.service(1)))
    assert result is None and took < BUDGET
    assert cache.state == "offline"
    assert "certificate" in cache.detail.lower()
