"""Django's Redis cache, with one Redis client per connection pool instead of one per operation.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` object for every get, set or incr (Django
5.2). Building it costs more than the round trip: measured on the 2-core benchmark machine, a `cache.get`
took 171 µs of CPU through Django against 35 µs with one redis-py client kept (docs/benchmarks.md, issue 15).
Every page pays several (the session, the data stamp of accounts.freshness, the reference memos), and an idle
refresh is little else. A `redis.Redis` is thread-safe (each command takes a connection from the pool) and
the pool re-creates its connections after a fork, so one client per pool is what redis-py intends.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients.setdefault(index, self._client(connection_pool=self._get_connection_pool(write)))
        return client


class RedisCache(DjangoRedisCache):
    """`CACHES["default"]["BACKEND"] = "jalon.core.redis_cache.RedisCache"`: the same options as Django's."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
