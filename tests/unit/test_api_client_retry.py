"""Backoff, timeouts and typed errors of the Starlink API client, against the simulator."""

import math
import random
import socket

import pytest
import requests
from starlink_telemetry_lib.client import StarlinkClient
from starlink_telemetry_lib.exceptions import (
    StarlinkConnectionError,
    StarlinkError,
    StarlinkNotFoundError,
    StarlinkProtocolError,
    StarlinkRateLimitError,
    StarlinkServerError,
    StarlinkTimeoutError,
    StarlinkValidationError,
)


def _stats(simulator):
    return requests.get(simulator.url + "/_sim/stats", timeout=5).json()


def _faults(simulator, **faults):
    answer = requests.post(simulator.url + "/_sim/faults", json=faults, timeout=5)
    assert answer.status_code == 200, answer.text


def _account_calls(simulator):
    return _stats(simulator)["by_route"].get("GET /public/v2/account", 0)


def test_429_burst_then_success(simulator, make_client, fake_clock):
    client = make_client(backoff_base=1.0, backoff_max=30.0)
    _faults(simulator, rate_limited=2)
    assert client.get_account()["accountNumber"]
    assert _account_calls(simulator) == 3
    assert len(fake_clock.sleeps) == 2
    # equal jitter: attempt n waits between half and all of base * 2**n
    assert 0.5 <= fake_clock.sleeps[0] <= 1.0
    assert 1.0 <= fake_clock.sleeps[1] <= 2.0


def test_429_bounded_then_rate_limit_error(simulator, make_client, fake_clock):
    client = make_client(max_retries=3, backoff_base=2.0, backoff_max=5.0)
    _faults(simulator, rate_limited=-1)
    with pytest.raises(StarlinkRateLimitError) as info:
        client.get_account()
    assert info.value.status == 429
    assert "after 4 attempts" in str(info.value)
    assert _account_calls(simulator) == 4
    assert len(fake_clock.sleeps) == 3
    assert all(delay <= 5.0 for delay in fake_clock.sleeps)
    assert fake_clock.sleeps[2] >= 2.5  # capped at 5 s, jittered down to at most half


def test_5xx_retried_then_server_error(simulator, make_client, fake_clock):
    client = make_client(max_retries=2)
    _faults(simulator, server_errors=2, server_error_status=502)
    assert client.get_account()["accountNumber"]
    _faults(simulator, server_errors=3)
    with pytest.raises(StarlinkServerError) as info:
        client.get_account()
    assert info.value.status == 502 and info.value.retryable
    assert "server error (HTTP 502) (after 3 attempts)" in str(info.value)
    assert _account_calls(simulator) == 6
    assert client.retry_count == 4


def test_timeout_retried_then_timeout_error(simulator, make_client, fake_clock):
    client = make_client(timeout=0.5, max_retries=1)
    _faults(simulator, slow=1, slow_seconds=1.5)
    assert client.get_account()["accountNumber"]  # one slow answer, then a good one
    assert len(fake_clock.sleeps) == 1
    _faults(simulator, slow=2)
    with pytest.raises(StarlinkTimeoutError, match=r"timed out \(after 2 attempts\)"):
        client.get_account()
    assert len(fake_clock.sleeps) == 2


def test_connection_refused(fake_clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = "http://127.0.0.1:%d/api" % port
    client = StarlinkClient(
        url,
        url + "/auth/connect/token",
        "id",
        "secret",
        max_retries=2,
        sleep=fake_clock.sleep,
        clock=fake_clock,
        timeout=1,
    )
    with pytest.raises(StarlinkConnectionError, match="connection failed"):
        client.get_account()
    assert len(fake_clock.sleeps) == 2


def test_envelope_error_is_typed(simulator, make_client):
    client = make_client()
    _faults(simulator, envelope_errors=1)
    with pytest.raises(StarlinkValidationError) as info:
        client.get_account()
    assert info.value.status == 422
    assert info.value.errors == ["Failed to retrieve data"]
    assert str(info.value) == (
        "Starlink GET /public/v2/account failed (HTTP 422): Failed to retrieve data"
    )
    assert client.retry_count == 0  # validation errors are not retried


def test_bad_parameter_names_the_member(simulator, make_client):
    client = make_client()
    with pytest.raises(StarlinkValidationError) as info:
        client.query_data_usage(page_limit=500)
    assert info.value.status == 400
    assert "limit is out of range [limit]" in str(info.value)


def test_not_found(simulator, make_client):
    with pytest.raises(StarlinkNotFoundError, match="HTTP 404"):
        make_client().get_service_line("AST-000000-00000-00")


def test_errors_share_a_base_class():
    for error in (StarlinkRateLimitError, StarlinkTimeoutError, StarlinkValidationError):
        assert issubclass(error, StarlinkError)


def test_backoff_is_bounded_with_jitter():
    client = StarlinkClient(
        "http://x/api",
        "http://x/t",
        "id",
        "s",
        rate_limit_per_min=0,
        backoff_base=1.0,
        backoff_max=8.0,
        rng=random.Random(1),
    )
    delays = [client._backoff(attempt) for attempt in range(10)]
    assert all(0.5 * min(8.0, 2**n) <= d <= min(8.0, 2**n) for n, d in enumerate(delays))
    assert len({round(d, 6) for d in delays[4:]}) > 1  # jittered, not constant at the cap



def _response(body, status=200):
    response = requests.Response()
    response.status_code = status
    response._content = body
    return response


def _client():
    return StarlinkClient(
        base_url="http://127.0.0.1:9", token_url="http://127.0.0.1:9/token",
        client_id="id", client_secret="secret",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"values": [[1.5, 2, "a", null, true]]}', {"values": [[1.5, 2, "a", None, True]]}),
        (b'{"wanRxBytes": 18446744073709551615}', {"wanRxBytes": 2**64 - 1}),  # 64-bit: exact
        ('{"name": "Zürich"}'.encode("utf-16"), {"name": "Zürich"}),  # encoding detected
    ],
)
def test_json_answers_parsed_fast_or_as_the_standard_parser_does(body, expected):
    assert _client()._json("POST", "/telemetry/stream", _response(body)) == expected


def test_json_nan_read_as_the_standard_parser_does():
    """NaN is not JSON, yet the standard parser reads it: so does the client."""
    assert math.isnan(_client()._json("POST", "/x", _response(b'{"value": NaN}'))["value"])


def test_non_json_answer_is_a_protocol_error():
    with pytest.raises(StarlinkProtocolError, match="non-JSON"):
        _client()._json("GET", "/x", _response(b"<html>busy</html>"))
