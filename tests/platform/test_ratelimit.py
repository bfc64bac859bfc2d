from __future__ import annotations

import pytest
from starlette.requests import Request

from ecart.platform.ratelimit import RateLimits, TooManyRequests, client_address, rate_limit


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "headers": headers, "client": (peer, 5000)})


def test_peer_address_is_the_key_without_trusted_proxies() -> None:
    assert client_address(_request("203.0.113.9", "198.51.100.1"), "") == "203.0.113.9"


def test_trusted_proxy_forwards_the_nearest_untrusted_hop() -> None:
    request = _request("10.0.0.5", "198.51.100.1, 203.0.113.50, 10.0.0.7")
    assert client_address(request, "10.0.0.0/8") == "203.0.113.50"


def test_untrusted_peer_cannot_spoof_forwarded_for() -> None:
    request = _request("203.0.113.9", "198.51.100.1")
    assert client_address(request, "10.0.0.0/8") == "203.0.113.9"


async def test_limit_counts_and_reports_retry_after() -> None:
    limits = RateLimits()
    item = rate_limit("2/minute")
    await limits.hit(item, "k")
    await limits.hit(item, "k")
    with pytest.raises(TooManyRequests) as caught:
        await limits.hit(item, "k")
    assert caught.value.status_code == 429
    assert caught.value.headers is not None
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 60
    await limits.hit(item, "other-key")  # keys are independent


def test_bad_limit_text_is_refused() -> None:
    with pytest.raises(ValueError, match="lots"):
        rate_limit("lots")
