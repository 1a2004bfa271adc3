"""The backend client loads the CA bundle only for a backend it reaches over TLS."""

from __future__ import annotations

import ssl
from typing import Any, cast

import pytest

from agent_tui.sync.client import BackendClient


def tls_context(client: BackendClient) -> ssl.SSLContext:
    """The SSL context the client's connection pools were given (httpx keeps it there): the threaded
    transport's sync pool and its async fallback share one."""
    transport: Any = client._http._transport
    context = transport._sync._pool._ssl_context
    assert isinstance(context, ssl.SSLContext)
    assert transport._fallback._pool._ssl_context is context
    return cast(ssl.SSLContext, context)


async def test_a_plain_http_backend_loads_no_certificates_and_trusts_no_one() -> None:
    client = BackendClient("HTTP://127.0.0.1:8000")
    try:
        context = tls_context(client)
        assert context.cert_store_stats()["x509_ca"] == 0
        # Were TLS ever met, it would fail: a certificate is required and none is trusted.
        assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    finally:
        await client.aclose()


@pytest.mark.parametrize("url", ["https://crm.example:8443", "https://127.0.0.1:8443"])
async def test_a_tls_backend_is_verified_against_the_ca_bundle(url: str) -> None:
    client = BackendClient(url)
    try:
        context = tls_context(client)
        assert context.cert_store_stats()["x509_ca"] > 10
        assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    finally:
        await client.aclose()
