"""The API's rate limits: per token and per client address, 429 in Chinese with Retry-After,
one audit entry per token or address per window; counted in Redis when REDIS_URL is set."""

import os
import uuid

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client

from laomo.accounts import ratelimits
from laomo.accounts.models import ApiToken
from laomo.audit.models import AuditEntry

URL = "/api/v1/schools"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture
def clock(monkeypatch):
    """The limiter's clock, 10 seconds into a window of 60 (windows start at multiples of 60)."""
    now = {"t": 1_800_000_000.0 - 1_800_000_000.0 % 60 + 10}
    monkeypatch.setattr(ratelimits.time, "time", lambda: now["t"])
    return now


def _forget_counts():
    """Local memory only: clearing a Redis cache would empty the whole Redis database (the
    Redis test has a key prefix of its own instead)."""
    if isinstance(caches["default"], LocMemCache):
        cache.clear()


@pytest.fixture
def limits(settings, clock):
    def set_limits(*, token=0, address=0, window=60):
        settings.LAOMO_API_RATE_PER_TOKEN = token
        settings.LAOMO_API_RATE_PER_ADDRESS = address
        settings.LAOMO_API_RATE_WINDOW = window
        _forget_counts()

    yield set_limits
    _forget_counts()


def _limited():
    return AuditEntry.objects.unrestricted().filter(action=AuditEntry.Action.RATE_LIMITED)


def _call(raw, ip="192.0.2.1", **extra):
    return Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=ip, **extra)


def _token_limit_holds(world, clock):
    user = world.user("county_union_a")
    token, raw = ApiToken.issue(user)
    _other, other_raw = ApiToken.issue(user)
    for _ in range(3):
        assert _call(raw).status_code == 200
    refused = _call(raw)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"
    assert refused.json()["detail"] == "调用过于频繁：每60秒最多3次，请50秒后再试"
    clock["t"] += 20
    again = _call(raw)
    assert (again.status_code, again["Retry-After"]) == (429, "30")
    # The same account's other token, from the same address, has its own count.
    assert _call(other_raw).status_code == 200
    [entry] = _limited()
    assert (entry.outcome, entry.object_id, entry.actor_id) == ("denied", str(token.pk), user.pk)
    assert entry.details == ["原因：同一令牌每60秒调用超过3次"]
    assert entry.ip == "192.0.2.1"
    assert entry.region_path == world.a.region.path
    return token, raw


def test_a_token_is_limited_per_window_and_recorded_once(world, limits, clock):
    limits(token=3, address=100)
    _token, raw = _token_limit_holds(world, clock)
    # The next window starts afresh; going over again is recorded again, once.
    clock["t"] += 30
    for _ in range(3):
        assert _call(raw).status_code == 200
    assert [_call(raw).status_code for _ in range(3)] == [429] * 3
    assert _limited().count() == 2


def test_an_address_is_limited_before_any_token_is_read(world, limits, settings):
    limits(address=3)
    for _ in range(3):
        assert _call("lm_guess").status_code == 401
    refused = _call("lm_guess")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "50"
    assert "调用过于频繁" in refused.json()["detail"]
    _token, raw = ApiToken.issue(world.user("city_union"))
    assert _call(raw).status_code == 429  # a good token from that address waits as well
    assert _call(raw, ip="192.0.2.2").status_code == 200  # another address does not
    [entry] = _limited()
    assert (entry.outcome, entry.ip, entry.object_repr) == ("denied", "192.0.2.1", "地址 192.0.2.1")
    assert entry.details == ["原因：同一地址每60秒调用超过3次"]
    assert entry.region_path == world.city.path

    # Behind nginx the address is the X-Real-IP it sends, as in the audit log and the sign-in
    # lockout; without LAOMO_TRUSTED_PROXY a forged X-Real-IP changes nothing.
    assert _call(raw, HTTP_X_REAL_IP="198.51.100.7").status_code == 429
    settings.LAOMO_TRUSTED_PROXY = True
    for _ in range(3):
        assert _call(raw, HTTP_X_REAL_IP="198.51.100.7").status_code == 200
    assert _call(raw, HTTP_X_REAL_IP="198.51.100.7").status_code == 429
    assert _call(raw, HTTP_X_REAL_IP="198.51.100.8").status_code == 200


def test_pages_are_not_counted(world, limits, login):
    limits(token=1, address=1)
    client = login(world.user("county_union_a"))
    assert [client.get("/schools/").status_code for _ in range(3)] == [200] * 3
    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 429
    assert client.get("/schools/").status_code == 200


def test_the_limits_are_off_at_zero(world, limits):
    limits(token=0, address=0)
    _token, raw = ApiToken.issue(world.user("county_union_a"))
    assert {_call(raw).status_code for _ in range(5)} == {200}


@pytest.fixture
def redis_cache(settings):
    """The default cache in Redis (REDIS_URL, or the local server), under a key prefix of this
    test's own. Under CI=true a missing Redis fails the test; elsewhere it is skipped."""
    import redis

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    server = redis.Redis.from_url(url)
    try:
        server.ping()
    except redis.exceptions.ConnectionError as exc:
        if IN_CI:
            pytest.fail(f"CI=true but Redis is not reachable at {url}: {exc}")
        pytest.skip(f"Redis is not reachable at {url}")
    prefix = f"laomo-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    yield server, prefix
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def test_with_redis_every_worker_counts_in_the_same_place(world, redis_cache, limits, clock):
    """With REDIS_URL the counters live in Redis, where every gunicorn worker reads them."""
    server, prefix = redis_cache
    limits(token=3, address=100)
    token, _raw = _token_limit_holds(world, clock)
    keys = {key.decode() for key in server.scan_iter(f"{prefix}:*")}
    window = int(clock["t"] // 60)
    token_key = f"{prefix}:1:api-rate:token:{token.pk}:{window}"
    assert token_key in keys
    assert int(server.get(token_key)) == 5
    assert 0 < server.ttl(token_key) <= 61
