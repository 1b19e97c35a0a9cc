"""The Redis cache backend of production (`REDIS_URL`): Django's, with one client kept per connection pool."""

from __future__ import annotations

import socket
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from jalon.core.redis_cache import RedisCache

REDIS = ("127.0.0.1", 6379)


def _redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_answers(), reason="no Redis server on 127.0.0.1:6379 (CI has one)")


@pytest.fixture
def redis_cache():
    # A key prefix of its own: the SQLite and PostgreSQL suites may run at once against the same server.
    cache = RedisCache(f"redis://{REDIS[0]}:{REDIS[1]}/15", {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield cache
    cache.delete_many(["a", "b", "counter", "absent"])


def test_operations_behave_as_djangos_backend(redis_cache):
    assert redis_cache.get("absent", "default") == "default"
    redis_cache.set("a", {"x": [1, 2]})
    assert redis_cache.get("a") == {"x": [1, 2]}
    assert redis_cache.add("a", "other") is False
    redis_cache.set_many({"b": 2})
    assert redis_cache.get_many(["a", "b", "absent"]) == {"a": {"x": [1, 2]}, "b": 2}
    redis_cache.set("counter", 1)
    assert redis_cache.incr("counter") == 2
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


def test_one_client_serves_every_operation(redis_cache):
    client = redis_cache._cache.get_client("a")
    redis_cache.set("a", 1)
    assert redis_cache._cache.get_client("b") is client
    assert redis_cache._cache.get_client("a", write=True) is client  # one server: reads and writes share a pool


def test_the_shared_client_is_safe_across_threads(redis_cache):
    redis_cache.set("counter", 0)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: [redis_cache.incr("counter") for _ in range(50)], range(8)))
    assert redis_cache.get("counter") == 400
