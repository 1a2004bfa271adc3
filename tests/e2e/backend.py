"""The real reference backend for end-to-end tests: `agent-tui server --seed demo` on a free port.

It runs in its own process group with a SQLite file in the test's tmp folder, and can be SIGKILLed
(a crash, as the desk sees it) and started again on the same port and database.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.support.sip_peers import agent_tui_command, free_port, group_members, kill_group, stop_group
from tests.support.waiting import WaitTimeout, wait_for

DEMO_PASSWORD = "demo"  # the published password of the seeded demo users (test data)


class RealBackend:
    """One reference backend process (restartable on the same port and database)."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port if port is not None else free_port()
        self.db_path = workdir / "backend.db"
        self.log_path = workdir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.pgids: list[int] = []

    def __repr__(self) -> str:
        return f"RealBackend({self.url}, pid={self.proc.pid if self.proc else None})"

    @property
    def url(self) -> str:
        """Base URL (the API is under /v1)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The server's pid while started."""
        return self.proc.pid if self.proc is not None else None

    def start(self, timeout: float = 30.0) -> None:
        """Start and wait until /v1/health answers 200."""
        argv = [*agent_tui_command(), "server", "--seed", "demo", "--port", str(self.port),
                "--db", f"sqlite:///{self.db_path}"]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ),
                start_new_session=True,
            )
        self.pgids.append(self.proc.pid)
        try:
            wait_for(self._healthy, timeout, interval=0.05, message=f"the backend on {self.url}")
        except WaitTimeout:
            self.kill()
            raise WaitTimeout(f"the backend did not come up; log:\n{self.log_text()[-3000:]}") from None

    def _healthy(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            code = self.proc.returncode
            raise RuntimeError(f"the backend exited with {code}; log:\n{self.log_text()[-3000:]}")
        try:
            return httpx.get(f"{self.url}/v1/health", timeout=1.0).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """SIGKILL the whole process group at once and wait until it is gone."""
        if self.proc is not None:
            kill_group(self.proc, self.proc.pid)
        self.proc = None

    def stop(self) -> None:
        """SIGTERM the group (SIGKILL if it hangs) and wait until it is gone."""
        if self.proc is not None:
            stop_group(self.proc, self.proc.pid)
        self.proc = None

    def log_text(self) -> str:
        """The server's output so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def leftover_pids(self) -> list[int]:
        """Processes of every start of this backend still alive."""
        return [pid for pgid in self.pgids for pid in group_members(pgid)]

    def client(self, username: str = "agent01", password: str = DEMO_PASSWORD) -> ApiClient:
        """A REST client logged in as `username`."""
        return ApiClient(self.url, username, password)


class ApiClient:
    """A small synchronous REST client: what the tests ask the backend directly."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10.0)
        self.username = username
        """Who this client is logged in as."""
        login = self.http.post("/v1/sessions", json={"username": username, "password": password})
        login.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {login.json()['token']}"

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def get(self, path: str, **params: Any) -> Any:
        """GET `path` and return its JSON (raises on a status >= 400)."""
        response = self.http.get(path, params=params)
        response.raise_for_status()
        return response.json()

    def lookup_phone(self, phone: str) -> list[dict[str, Any]]:
        """The customers matching a caller number."""
        matches: list[dict[str, Any]] = self.get("/v1/customers/lookup", phone=phone)["matches"]
        return [match["customer"] for match in matches]

    def tickets_of(self, customer_id: int) -> list[dict[str, Any]]:
        """Every ticket of a customer (all pages)."""
        found: list[dict[str, Any]] = []
        while True:
            page = self.get("/v1/tickets", customer=customer_id, limit=100, offset=len(found))
            found.extend(page["items"])
            if not page["items"] or len(found) >= page["total"]:
                return found

    def screen_ids(self) -> list[str]:
        """The work-order screens the backend serves, in its order."""
        return [item["id"] for item in self.get("/v1/screens", limit=100)["items"]]

    def single_match_customer(self, skip_names: set[str] | None = None) -> dict[str, Any]:
        """A seeded customer with a phone number that matches only them, and an address."""
        offset = 0
        while True:
            page = self.get("/v1/customers", limit=100, offset=offset)
            for customer in page["items"]:
                if not customer["phones"] or not customer["address"]:
                    continue
                if skip_names and customer["name"] in skip_names:
                    continue
                matches = self.lookup_phone(customer["phones"][0])
                if [m["id"] for m in matches] == [customer["id"]]:
                    return dict(customer)
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                raise AssertionError("the demo seed has no customer with a phone number of their own")
