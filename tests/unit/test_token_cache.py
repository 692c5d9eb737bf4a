"""One OAuth token per account per process: the shared token cache."""

import threading
import time

import requests
from starlink_telemetry_lib.token_cache import TokenCache, shared_token_cache


def _stats(simulator):
    return requests.get(simulator.url + "/_sim/stats", timeout=5).json()


def test_shared_per_credentials():
    cache = shared_token_cache("https://x/token", "id", "secret")
    assert shared_token_cache("https://x/token", "id", "secret") is cache
    assert shared_token_cache("https://x/token", "id", "other secret") is not cache
    assert shared_token_cache("https://y/token", "id", "secret") is not cache


def test_clients_of_one_account_share_one_token(simulator, make_client):
    cache = TokenCache()
    for client in [make_client(token_cache=cache) for _ in range(4)]:
        client.get_account()
    assert _stats(simulator)["token_requests"] == 1
    assert cache.minted == 1


def test_default_cache_is_shared_in_the_process(simulator, make_client):
    # Without an injected clock, clients take the process-wide cache of their credentials.
    first, second = (make_client(clock=None, sleep=None) for _ in range(2))
    assert first.tokens is second.tokens
    first.invalidate_token()
    first.get_account()
    second.get_account()
    assert _stats(simulator)["token_requests"] == 1


def test_threads_mint_once():
    cache = TokenCache()
    calls = []

    def mint():
        calls.append(1)
        time.sleep(0.05)  # a slow token endpoint: the other threads must wait, not mint
        return f"token-{len(calls)}", 900.0

    tokens = []
    threads = [threading.Thread(target=lambda: tokens.append(cache.get(mint))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert tokens == ["token-1"] * 8


def test_expiry_mints_a_new_token():
    now = [0.0]
    cache = TokenCache(clock=lambda: now[0])
    minted = iter(["a", "b"])
    mint = lambda: (next(minted), 900.0)  # noqa: E731
    assert cache.get(mint) == "a"
    now[0] = 839.0  # renewed 60 s before the end of a 900 s token
    assert cache.get(mint) == "a"
    now[0] = 841.0
    assert cache.get(mint) == "b"
    assert cache.minted == 2


def test_401_on_an_old_token_keeps_the_fresh_one():
    cache = TokenCache()
    cache.get(lambda: ("old", 900.0))
    cache.invalidate("old")
    assert cache.get(lambda: ("fresh", 900.0)) == "fresh"
    cache.invalidate("old")  # a late 401 of a call made with the old token
    assert cache.valid_token() == "fresh"
    cache.invalidate()
    assert cache.valid_token() is None
