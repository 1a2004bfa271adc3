"""Fixtures of the server tests: apps on SQLite and on a throwaway PostgreSQL, logins, demo data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from agent_tui.server.app import create_app
from agent_tui.server.settings import ServerSettings
from tests.server.pg import PgServer
from tests.support.peers import require_pg_bin

SCREENS = Path(__file__).resolve().parents[2] / "screens"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server for the whole run (skipped loudly when the binaries are missing)."""
    server = PgServer(initdb=require_pg_bin("initdb"), postgres=require_pg_bin("postgres"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh PostgreSQL database for one test."""
    name = pg_server.create_database()
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'server.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The key tests run on both backends."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


def make_client(url: str, **settings: object) -> TestClient:
    """A test client of an app on `url` with the demo data (use it as a context manager)."""
    values: dict[str, object] = {"seed": "demo", "screens_dir": SCREENS}
    values.update(settings)
    return TestClient(create_app(ServerSettings.from_url(url, **values)), raise_server_exceptions=False)


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    """An in-process app on SQLite with the demo data."""
    with make_client(sqlite_url) as test_client:
        yield test_client


@pytest.fixture
def any_client(db_url: str) -> Iterator[TestClient]:
    """An in-process app with the demo data, on SQLite and on PostgreSQL."""
    with make_client(db_url) as test_client:
        yield test_client


def login(client: TestClient, username: str, password: str = "demo") -> dict[str, str]:
    """Authorization headers of a fresh login."""
    response = client.post("/v1/sessions", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
