"""Token handling and secrecy of the Starlink API client, against the simulator."""

import logging

import pytest
import requests
from starlink_telemetry_lib.client import StarlinkClient
from starlink_telemetry_lib.exceptions import StarlinkAuthError, StarlinkValidationError


def _stats(simulator):
    return requests.get(simulator.url + "/_sim/stats", timeout=5).json()


def _faults(simulator, **faults):
    answer = requests.post(simulator.url + "/_sim/faults", json=faults, timeout=5)
    assert answer.status_code == 200, answer.text


def test_token_is_reused(simulator, make_client):
    client = make_client()
    for _ in range(5):
        assert client.get_account()["accountNumber"] == simulator.simulator.fleet.account_number
    stats = _stats(simulator)
    assert stats["token_requests"] == 1
    assert stats["by_route"]["GET /public/v2/account"] == 5
    assert client.token_requests == 1


def test_token_renewed_shortly_before_expiry(simulator, make_client, fake_clock):
    client = make_client()
    client.get_account()
    fake_clock.now += 900 - 61  # 900 s token, renewed 60 s before it expires
    client.get_account()
    assert client.token_requests == 1
    fake_clock.now += 2
    client.get_account()
    assert client.token_requests == 2
    assert _stats(simulator)["by_status"] == {"200": 5}


def test_expired_token_refreshed_once(simulator, make_client):
    client = make_client()
    client.get_account()
    _faults(simulator, expire_tokens=True)
    assert client.get_account()["accountNumber"]
    stats = _stats(simulator)
    assert stats["token_requests"] == 2
    assert [e["status"] for e in stats["log"] if e["route"] == "/public/v2/account"] == [
        200,
        401,
        200,
    ]


def test_second_401_is_an_auth_error(simulator, make_client):
    client = make_client()
    client.get_account()
    _faults(simulator, unauthorized=5)
    with pytest.raises(StarlinkAuthError) as info:
        client.get_account()
    assert info.value.status == 401
    assert "token refused after a refresh" in str(info.value)
    stats = _stats(simulator)
    # exactly one refresh and one retry: 1 + 2 account calls, 2 tokens
    assert stats["by_route"]["GET /public/v2/account"] == 3
    assert stats["token_requests"] == 2
    assert client.retry_count == 0


def test_bad_credentials(simulator, make_client):
    client = make_client(client_secret="Wrong-Secret-0042")
    with pytest.raises(StarlinkAuthError) as info:
        client.get_account()
    message = str(info.value)
    assert "invalid_client" in message and "HTTP 400" in message
    assert "Wrong-Secret-0042" not in message
    assert _stats(simulator)["by_route"].get("GET /public/v2/account") is None


def test_test_connection_checks_the_account(simulator, make_client):
    assert make_client().test_connection()["accountName"] == "Starlink Reseller Demo"
    with pytest.raises(StarlinkAuthError, match="not ACC-000000-00000-00"):
        make_client(account_number="ACC-000000-00000-00").test_connection()


def test_secret_and_token_never_logged(simulator, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    secret = simulator.simulator.config.client_secret
    client = make_client(max_retries=1)
    client.get_account()
    token = client.tokens.token
    _faults(simulator, expire_tokens=True, server_errors=1, envelope_errors=1)
    errors = []
    for _ in range(2):
        try:
            client.get_account()
        except StarlinkValidationError as exc:
            errors.append(exc)
    bad = make_client(client_secret="Another-Secret-991")
    with pytest.raises(StarlinkAuthError) as info:
        bad.get_account()
    errors.append(info.value)
    texts = [caplog.text, repr(client), repr(bad)]
    texts += [str(e) for e in errors] + [repr(e.args) for e in errors]
    assert len(errors) == 2 and "Starlink GET /public/v2/account" in caplog.text
    for text in texts:
        assert secret not in text
        assert "Another-Secret-991" not in text
        assert token not in text
        assert client.tokens.token not in text


class _EchoSession(requests.Session):
    """Answers every call with an error that echoes what it was sent."""

    def request(self, method, url, headers=None, data=None, **kwargs):
        response = requests.Response()
        response.url = url
        if url.endswith("/token"):
            response.status_code = 200
            response._content = b'{"access_token": "tok-ABCDEF-123", "expires_in": 900}'
        else:
            response.status_code = 422
            echoed = headers["Authorization"] + " and secret Echoed-Secret-55"
            response._content = (
                '{"isValid": false, "errors": [{"memberNames": [], "errorMessage": "%s"}]}' % echoed
            ).encode()
        return response


def test_server_echo_is_redacted():
    client = StarlinkClient(
        "http://starlink.invalid/api",
        "http://starlink.invalid/api/auth/connect/token",
        "client",
        "Echoed-Secret-55",
        session=_EchoSession(),
        rate_limit_per_min=0,
    )
    with pytest.raises(StarlinkValidationError) as info:
        client.get_account()
    assert "Echoed-Secret-55" not in str(info.value)
    assert "tok-ABCDEF-123" not in str(info.value) + " ".join(info.value.errors)
    assert "Bearer *** and secret ***" in str(info.value)
