"""TLS to the backend is verified by default: a self-signed certificate is refused with a clear message,
and accepted once the config names it as `ca_file`."""

from __future__ import annotations

import http.server
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent_tui.sync.client import BackendClient
from agent_tui.sync.errors import BackendTlsError, BackendUnavailable


class Health(http.server.BaseHTTPRequestHandler):
    """Answers `GET /v1/health` like the backend does."""

    def do_GET(self) -> None:
        body = json.dumps({"status": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made by openssl: (cert, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


@pytest.fixture
def https_url(self_signed: tuple[Path, Path]) -> Iterator[str]:
    """A local HTTPS server with that certificate (port 0: a free one)."""
    cert, key = self_signed
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


async def test_self_signed_certificate_is_refused_by_default(https_url: str) -> None:
    async with BackendClient(https_url) as client:
        with pytest.raises(BackendTlsError) as caught:
            await client.health()
    # Not a retryable outage: a certificate problem does not go away by trying again.
    assert not isinstance(caught.value, BackendUnavailable)
    message = str(caught.value)
    assert message.startswith("TLS error"), message
    assert "certificate was refused" in message, message
    assert "self-signed" in message or "self signed" in message, message


async def test_ca_file_makes_it_trusted(https_url: str, self_signed: tuple[Path, Path]) -> None:
    async with BackendClient(https_url, ca_file=self_signed[0]) as client:
        assert await client.health() == {"status": "ok"}


async def test_verification_is_on_unless_switched_off(https_url: str) -> None:
    async with BackendClient(https_url, verify=False) as client:
        assert await client.health() == {"status": "ok"}  # the switch exists and is the only way
    from agent_tui.config import BackendSettings

    assert BackendSettings().verify_tls is True
