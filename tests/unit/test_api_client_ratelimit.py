"""Client-side rate limiting (250 requests/min per account) with an injected clock."""

import pytest
import requests
from starlink_telemetry_lib.exceptions import StarlinkRateLimitError
from starlink_telemetry_lib.ratelimit import RateLimiter, shared_limiter


def _max_in_window(moments, period=60.0):
    """Largest number of moments inside any half-open window of ``period``."""
    best, start = 0, 0
    for end, moment in enumerate(moments):
        while moments[start] <= moment - period:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_limiter_keeps_under_the_limit(fake_clock):
    limiter = RateLimiter(240, 60.0, clock=fake_clock, sleep=fake_clock.sleep)
    moments = []
    for _ in range(1000):
        limiter.acquire()
        moments.append(fake_clock.now)
        fake_clock.now += 0.01  # the call itself
    assert _max_in_window(moments) == 240
    assert moments[-1] - moments[0] >= 3 * 60  # 1000 calls need more than 4 windows
    assert limiter.calls_in_window() <= 240


def test_limiter_does_not_wait_below_the_limit(fake_clock):
    limiter = RateLimiter(10, 60.0, clock=fake_clock, sleep=fake_clock.sleep)
    assert [limiter.acquire() for _ in range(10)] == [0.0] * 10
    assert fake_clock.sleeps == []
    assert limiter.acquire() == pytest.approx(60.0)
    assert RateLimiter(0).acquire() == 0.0


def test_shared_limiter_per_account():
    first = shared_limiter(("https://x", "ACC-1"), 240)
    assert shared_limiter(("https://x", "ACC-1"), 240) is first
    assert shared_limiter(("https://x", "ACC-2"), 240) is not first


class _RecordingSession(requests.Session):
    """Records the (fake) time at which each API request leaves."""

    def __init__(self, clock):
        super().__init__()
        self.clock = clock
        self.moments = []

    def request(self, method, url, **kwargs):
        if "/public/v2/" in url:
            self.moments.append(self.clock())
        return super().request(method, url, **kwargs)


def test_client_paces_its_calls(simulator, make_client, fake_clock):
    simulator.simulator.faults.update({"rate_limit_per_min": 0})
    session = _RecordingSession(fake_clock)
    client = make_client(rate_limit_per_min=20, session=session)
    for _ in range(50):
        client.get_account()
    assert len(session.moments) == 50
    assert _max_in_window(session.moments) == 20
    assert session.moments[-1] - session.moments[0] >= 120


def test_simulator_enforces_the_account_limit(simulator, make_client):
    simulator.simulator.faults.update({"rate_limit_per_min": 5})
    client = make_client(max_retries=0)
    for _ in range(5):
        client.get_account()
    with pytest.raises(StarlinkRateLimitError):
        client.get_account()
