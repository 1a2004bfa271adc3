"""`[backend]`: the REST backend the desk, wallboard and trainer talk to."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from agent_tui.config.errors import describe
from agent_tui.config.section import FilePath, Section


class BackendSettings(Section):
    """The REST backend the desk, wallboard and trainer talk to."""

    url: str = "http://127.0.0.1:8080"
    """Base URL of the backend (the API lives under `/v1`)."""
    username: str | None = None
    """User name to log in with; `--user` overrides it. The password is asked for, or comes from the
    credential store."""
    verify_tls: bool = True
    """Check the backend's TLS certificate (https URLs). Turn off only for a lab."""
    ca_file: FilePath | None = None
    """PEM file of the CA that signed the backend's certificate, when it is not a public one."""
    connect_timeout_s: float = Field(default=3.0, gt=0, le=120)
    """Seconds to wait for a connection to the backend."""
    read_timeout_s: float = Field(default=10.0, gt=0, le=600)
    """Seconds to wait for a response once connected."""
    health_probe_s: float = Field(default=3.0, ge=0.5, le=60)
    """After this many seconds with no exchange with the backend, a light health check
    (`GET /v1/health`) runs, and waits as long for its answer; while offline it runs this often.
    The status bar shows a dead or stalled backend offline within about twice this."""

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        parts = urlsplit(value)
        try:
            port_ok = parts.port is None or 0 < parts.port < 65536
        except ValueError:
            port_ok = False
        if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
            raise ValueError(f"expected an http:// or https:// URL, got {describe(value)}")
        return value.rstrip("/")

    @field_validator("ca_file")
    @classmethod
    def _check_ca_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file not found: {value}")
        return value
